package io.lathe.kpi;

/** Period grouping of KPI series; hour, day and week are aligned to the site's local time (weeks start on Monday). */
public enum Grouping { HOUR, SHIFT, DAY, WEEK }
