from advocacy.crawler.fingerprint import hamming, simhash
from advocacy.ledger import NEAR_DUPLICATE_BITS

STORY = ("Malian migrants in Morocco struggle to join the compulsory health insurance scheme. Associations in "
         "Casablanca and Rabat say that many workers lack the residence card the insurer asks for, and that "
         "clinics turn away families who cannot pay in advance. A doctor in Bamako explained that returning "
         "migrants often arrive with untreated chronic illnesses. ") * 3


def test_a_credit_line_leaves_the_fingerprint_close():
    copy = "(Article first published by Bamako Matin)\n\n" + STORY
    assert hamming(simhash(STORY), simhash(copy)) <= NEAR_DUPLICATE_BITS


def test_different_stories_are_far_apart():
    other = ("Heavy rain flooded several streets of Tangier on Monday. The city council opened two emergency "
             "centres and asked drivers to avoid the coastal road until the water recedes. Schools stayed open "
             "and the port reported no damage to ships moored overnight. ") * 3
    assert hamming(simhash(STORY), simhash(other)) > 10


def test_too_short_to_fingerprint():
    assert simhash("a few words only") is None
