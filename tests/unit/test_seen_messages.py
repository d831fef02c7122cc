from bot.channels.messenger.seen_messages import SeenMessageIds


def test_a_message_id_is_new_once():
    seen = SeenMessageIds()
    assert seen.first_time("m1")
    assert not seen.first_time("m1")
    assert seen.first_time("m2")


def test_ids_are_forgotten_after_the_ttl():
    now = [0.0]
    seen = SeenMessageIds(ttl_seconds=10, clock=lambda: now[0])
    assert seen.first_time("m1")
    now[0] = 9.9
    assert not seen.first_time("m1")
    now[0] = 10.1
    assert seen.first_time("m1")


def test_memory_is_bounded():
    seen = SeenMessageIds(max_entries=3)
    for mid in ("m1", "m2", "m3", "m4"):
        assert seen.first_time(mid)
    assert seen.first_time("m1")  # the oldest was dropped to stay within bounds
    assert not seen.first_time("m4")
