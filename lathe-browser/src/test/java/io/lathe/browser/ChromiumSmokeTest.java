package io.lathe.browser;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ChromiumSmokeTest {
    @Test
    void chromiumLoadsAPageAndReportsItsConsoleErrors() throws Exception {
        Assumptions.assumeTrue(Chromium.unavailable().isEmpty(), () -> Chromium.unavailable().orElse(""));
        try (Chromium browser = Chromium.launch("zh-CN")) {
            Page page = browser.newPage(800, 600);
            page.navigate("data:text/html,<title>x</title><p id=p>hello</p><script>console.error('boom')</script>");
            page.waitVisible("#p", Duration.ofSeconds(10));
            assertThat(page.eval("navigator.language").asText()).isEqualTo("zh-CN");
            assertThat(page.eval("new Intl.DateTimeFormat().resolvedOptions().locale").asText()).isEqualTo("zh-CN");
            assertThat(page.problems()).anySatisfy(p -> assertThat(p.text()).contains("boom"));
            assertThat(page.screenshot()).hasSizeGreaterThan(100);
        }
    }
}
