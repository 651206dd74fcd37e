package io.lathe.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DevicePasswordsTest {

    // New hashes are Argon2id with OWASP's parameters (m=19 MiB, t=2, p=1) in PHC form, salted per hash.
    @Test
    void hashesAreArgon2idWithOwaspParametersAndVerify() {
        String h = DevicePasswords.hash("device-pw");
        assertThat(h).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(DevicePasswords.hash("device-pw")).isNotEqualTo(h);
        assertThat(DevicePasswords.verify("device-pw", h)).isTrue();
        assertThat(DevicePasswords.verify("device-pX", h)).isFalse();
        assertThat(DevicePasswords.isSupportedHash(h)).isTrue();
        assertThat(DevicePasswords.describe(h)).isEqualTo("$argon2id$v=19$m=19456,t=2,p=1$****");
    }

    // Golden vector made by another implementation (Debian's libxcrypt through Python's crypt module, cost 12).
    @Test
    void bcryptHashesMadeElsewhereVerify() {
        String h = "$2b$12$yqzZrmsMREu9bPizN.yQ4eQv.5aqPG7yxx6iRl8XVJ3xMDspGQ2mq";
        assertThat(DevicePasswords.isSupportedHash(h)).isTrue();
        assertThat(DevicePasswords.verify("s3cret-pw", h)).isTrue();
        assertThat(DevicePasswords.verify("s3cret-pX", h)).isFalse();
        assertThat(DevicePasswords.describe(h)).isEqualTo("$2b$12$****");
    }

    @Test
    void otherHashFormsAreRefused() {
        assertThat(DevicePasswords.isSupportedHash("plain-text-password")).isFalse();
        assertThat(DevicePasswords.isSupportedHash("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g")).isFalse();
        assertThat(DevicePasswords.isSupportedHash("$5$rounds=5000$salt$hash")).isFalse();
        assertThat(DevicePasswords.verify("x", "garbage")).isFalse();
        assertThat(DevicePasswords.describe("plain-text-password")).doesNotContain("plain");
    }
}
