/** See the module description in pom.xml and docs/ARCHITECTURE.md. */
package io.lathe.predict;
