"""axe-core (npm, pinned) on every page at desktop and phone sizes: no serious or critical
violations. axe.min.js is injected from node_modules; the context bypasses the CSP for that one
script (the pages' own CSP is tested elsewhere). Screenshots of each page go to test-artifacts/."""

import json
from pathlib import Path

import pytest

from accounts.roles import roles_sync_permissions
from annotations import services
from tests.factories import PASSWORD, make_user
from tests.pages.conftest import PHONE, login, screenshot
from tests.pages.studio import in_thread
from videos.models import Comparison

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP_1440 = {"width": 1440, "height": 900}
SIZES = {"desktop": DESKTOP_1440, "phone": PHONE}
# Rules axe ships disabled or experimental that name problems we had: a name without its label.
EXTRA_RULES = {"label-content-name-mismatch": {"enabled": True}}
RUN_AXE = """async (rules) => {
    const result = await axe.run(document, { rules, resultTypes: ["violations"] });
    return result.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.slice(0, 6).map((n) => n.target.join(" ")) }));
}"""


def audit(page, name: str, findings: dict) -> None:
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE, EXTRA_RULES)
    if violations:
        findings[name] = violations
    screenshot(page, f"a11y-{name}")


def staff_login(page) -> None:
    roles_sync_permissions()
    make_user("moderator", role="staff")
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_no_serious_violations_on_any_page(open_page, coaching, size):
    viewport = SIZES[size]
    video, coach = coaching["video"], coaching["coach"]
    for at in (1.0, 1.04, 2.0):
        in_thread(
            services.annotation_create_drawing,
            video=video,
            author=coach,
            timestamp=at,
            duration=1.0,
            drawing_data={"tool_type": "arrow", "points": [[0.1, 0.5], [0.9, 0.5]]},
        )
    findings: dict = {}
    page = open_page(viewport=viewport, bypass_csp=True)
    page.goto("/accounts/login/")
    audit(page, f"login-{size}", findings)
    login(page, coaching["owner"].username)
    page.goto("/")
    audit(page, f"library-{size}", findings)
    page.goto("/upload")
    audit(page, f"upload-{size}", findings)
    page.goto(f"/videos/{video.pk}")
    page.wait_for_function("() => document.getElementById('player').readyState === 4")
    audit(page, f"studio-{size}", findings)
    page.goto(f"/compare/new?left={video.pk}")
    audit(page, f"compare-new-{size}", findings)
    comparisons: list = []
    in_thread(
        lambda: comparisons.append(
            Comparison.objects.create(
                owner=coaching["owner"],
                title="Two moments",
                left_video=video,
                right_video=video,
                right_sync=1.0,
            )
        )
    )
    page.goto(f"/compare/{comparisons[0].pk}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    audit(page, f"compare-{size}", findings)

    staff = open_page(viewport=viewport, bypass_csp=True)
    staff_login(staff)
    staff.goto("/admin/annotations/annotation/")
    audit(staff, f"admin-annotations-{size}", findings)
    staff.goto("/admin/processing/processingjob/")
    audit(staff, f"admin-jobs-{size}", findings)
    assert findings == {}, json.dumps(findings, indent=2)
