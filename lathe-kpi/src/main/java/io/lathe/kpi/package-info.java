/** ISO 22400-2 key performance indicators computed from machine signals. */
package io.lathe.kpi;
