package io.lathe.server.config;

import io.lathe.alarm.AlarmRule;
import io.lathe.alarm.NotifySettings;
import java.util.List;

/**
 * The {@code alarms:} section: one rule per machine (rules of machine types expanded), and the notification channels
 * and routes of {@code alarms.notify} ({@code notifications}, null without). The scalar settings ({@code alarms.max-shelve}, ...) are in
 * {@link Settings} like every other key.
 */
public record AlarmConfig(List<AlarmRule> rules, NotifySettings notifications) {
    public AlarmConfig {
        rules = List.copyOf(rules);
    }

    public static final AlarmConfig NONE = new AlarmConfig(List.of(), null);
}
