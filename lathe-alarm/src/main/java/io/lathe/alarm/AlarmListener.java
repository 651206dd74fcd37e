package io.lathe.alarm;

/** Told of every journaled transition, with the alarm as it is right after it. Must return quickly and not throw. */
@FunctionalInterface
public interface AlarmListener {
    void onTransition(Transition transition, Alarm alarm);
}
