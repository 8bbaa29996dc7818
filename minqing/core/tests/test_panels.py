import pytest

from minqing.core import panels


def test_a_page_that_takes_no_panels_is_refused():
    with pytest.raises(ValueError, match="no page"):
        panels.register("nowhere", panels.Panel("x", "x.html", 1, lambda user, obj: {}))


def test_panels_come_in_order_and_a_panel_with_nothing_to_show_is_left_out(monkeypatch):
    monkeypatch.setitem(panels._registry, panels.HOUSEHOLD, {})
    panels.register(panels.HOUSEHOLD, panels.Panel("b", "b.html", 20, lambda user, obj: {"n": obj}))
    panels.register(panels.HOUSEHOLD, panels.Panel("a", "a.html", 10, lambda user, obj: {"n": obj * 2}))
    panels.register(panels.HOUSEHOLD, panels.Panel("hidden", "h.html", 5, lambda user, obj: None))
    filled = panels.collect(panels.HOUSEHOLD, None, 21)
    assert [(f.key, f.context) for f in filled] == [("a", {"n": 42}), ("b", {"n": 21})]


def test_registering_a_key_again_replaces_the_panel(monkeypatch):
    monkeypatch.setitem(panels._registry, panels.PETITION, {})
    panels.register(panels.PETITION, panels.Panel("k", "old.html", 1, lambda user, obj: {}))
    panels.register(panels.PETITION, panels.Panel("k", "new.html", 1, lambda user, obj: {}))
    assert [p.template for p in panels.registered(panels.PETITION)] == ["new.html"]


def test_the_apps_above_register_their_panels_on_the_lower_pages():
    keys = {page: [p.key for p in panels.registered(page)] for page in panels.PAGES}
    assert keys[panels.HOUSEHOLD] == ["petitions", "visits", "disputes"]
    assert keys[panels.PETITION] == ["hotspots"]
    assert keys[panels.PETITION_SIDE] == ["disputes"]
    # Similar requests are the petitions' own selector (extensions.similar_text), not a panel of their own.
    assert keys[panels.PETITION_INTAKE] == []


def test_the_petitions_hooks_are_subscribed_once():
    from minqing.petitions import extensions

    assert len(extensions.after_register) == 1
    assert len(extensions.after_intake_form) == 1
    hook = extensions.after_register[0]
    extensions.subscribe(extensions.after_register, hook)
    assert len(extensions.after_register) == 1
