/* test_cop_page.c — the page against a hostile picture: headless Chromium loads the
 * bundled page from a server the test starts on 127.0.0.1, fed a picture whose strings
 * carry markup and script and whose numbers include NaN. The page must render every track
 * and alert with the markup shown as text (no element injected) and keep its feed live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tl_test.h"
#include "trilink/cop.h"

static const char *const payload = "<img src=x onerror=alert(1)>";

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_hostile_page(void **state)
{
    (void)state;
    char root[1024], probe[1100];
    snprintf(root, sizeof root, "%s/web/cop/dist", tl_test_source_dir());
    snprintf(probe, sizeof probe, "%s/app.js", root);
    struct stat st;
    if (!tl_test_have("chromium") || stat(probe, &st) != 0) {
        printf("SKIP: chromium or the page bundle (web/cop/dist) missing\n");
        skip();
    }
    tl_cop_picture *p = malloc(sizeof *p);
    tl_cop_demo_picture(800.0, p);
    snprintf(p->tracks[0].id, sizeof p->tracks[0].id, "%s", payload);
    snprintf(p->tracks[1].best_nation, sizeof p->tracks[1].best_nation, "<b>");
    snprintf(p->alerts[0].headline, sizeof p->alerts[0].headline, "%s</div><script>x()</script>",
             payload);
    snprintf(p->alerts[1].area_desc, sizeof p->alerts[1].area_desc, "\"'><svg onload=alert(2)>");
    snprintf(p->links[0].name, sizeof p->links[0].name, "%s", payload);
    p->tracks[2].lat_rad = NAN; /* a track without a position: listed, not drawn */
    p->tracks[2].impact.ell.semi_major_m = NAN;

    tl_cop *cop = NULL;
    tl_err err;
    tl_cop_config cfg = {.port = 0, .web_root = root};
    if (tl_cop_create(&cfg, &cop, &err) != TL_OK)
        fail_msg("tl_cop_create: %s", err.msg);
    assert_int_equal(tl_cop_update(cop, p, &err), TL_OK);

    char profile[] = "/tmp/tl_cop_profileXXXXXX";
    assert_non_null(mkdtemp(profile));
    char cmd[2048];
    snprintf(
        cmd, sizeof cmd,
        "timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--disable-dev-shm-usage --user-data-dir=%s --window-size=1600,1000 "
        "--virtual-time-budget=5000 --dump-dom http://127.0.0.1:%d/ 2>/dev/null",
        profile, tl_cop_port(cop));
    static char dom[8 << 20];
    int rc = tl_test_run(cmd, NULL, dom, sizeof dom);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", profile);
    assert_int_equal(system(cmd), 0);
    tl_cop_destroy(cop);
    free(p);
    if (rc != 0)
        fail_msg("chromium exit status %d", rc);
    assert_true(strlen(dom) + 1 < sizeof dom); /* the whole DOM */

    /* the page ran and drew the picture */
    assert_int_equal(count(dom, "class=\"feed feed-live\""), 1);
    assert_int_equal(count(dom, "class=\"track\"") + count(dom, "class=\"track sel\""), 3);
    assert_int_equal(count(dom, "class=\"alert "), 3);
    /* markup arrived as text: escaped in the serialized DOM, no element created */
    assert_true(count(dom, "&lt;img src=x onerror=alert(1)&gt;") >= 3);
    assert_int_equal(count(dom, "<img"), 0);
    assert_int_equal(count(dom, "<svg onload"), 0);
    assert_int_equal(count(dom, "<script>x()"), 0);
    assert_true(count(dom, "&lt;/div&gt;&lt;script&gt;x()&lt;/script&gt;") == 1);
    /* two tracks with positions get a map symbol, the NaN one does not */
    assert_int_equal(count(dom, "class=\"trk-g\""), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
