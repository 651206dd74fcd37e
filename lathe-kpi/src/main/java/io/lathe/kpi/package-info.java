/**
 * ISO 22400-2 key performance indicators computed from machine signals: configuration records ({@link
 * io.lathe.kpi.KpiConfig}, {@link io.lathe.kpi.SiteConfig}, {@link io.lathe.kpi.MachineConfig}, {@link
 * io.lathe.kpi.ShiftCalendar}), the engine ({@link io.lathe.kpi.KpiEngine}) and results ({@link io.lathe.kpi.Kpis},
 * {@link io.lathe.kpi.Stop}, {@link io.lathe.kpi.ParetoEntry}). See DESIGN.md in the module for formulas and data flow.
 */
package io.lathe.kpi;
