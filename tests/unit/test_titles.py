from actions.text.titles import MAX_TITLE, fitting_title, short_title


def test_a_long_title_ends_with_an_ellipsis_within_messenger_s_twenty_characters():
    assert short_title("SCI Montmartre (landlord)") == "SCI Montmartre (lan…"
    assert len(short_title("x" * 50)) == MAX_TITLE
    assert short_title("Tom Bernard") == "Tom Bernard"
    assert short_title("  two   spaces ") == "two spaces"


def test_the_first_candidate_that_fits_whole_else_the_first_shortened():
    assert fitting_title(["what are your opening hours", "opening hours"]) == "Opening hours"
    assert fitting_title(["what are your opening hours on saturday"]) == "What are your openi…"
    assert fitting_title(["forgot pin"]) == "Forgot pin" and fitting_title(["I forgot my PIN"]) == "I forgot my PIN"
    assert fitting_title([]) == ""
