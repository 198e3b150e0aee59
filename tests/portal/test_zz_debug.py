import pytest
from tests.portal.conftest import signed_in
pytestmark = pytest.mark.browser
def test_debug(portal_stack, page):
    signed_in(page, portal_stack, "kari.hansen")
    page.goto(portal_stack.url + "/family")
    for i in range(3):
        page.screenshot(path=f"/tmp/dbg{i}.png", clip={"x": 0, "y": i*800, "width": 390, "height": 800}, full_page=True)
