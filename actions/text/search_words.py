"""What a customer's money question asks for, read from its words, in English or French: the merchant, the category,
the kind of transaction, the direction (money in or out) and bounds on the amount. The period is
actions/text/periods.py's.

The NLU's entities come first (the action passes them); these readers fill what they missed:

- direction: words of receiving ("received", "came in", "got paid", "reçu", "touché", "rentré") say money in;
  words of paying ("spent", "paid", "payments", "dépensé", "payé", "prélevé") money out; neither, none;
- kind: words naming how the money moved, one of the core bank's search kinds (which transactions each stands for
  is the core bank's rule: bot/core_bank/contract/spending.py SEARCH_KINDS): "card payments", "par carte", "CB"
  (card_payment), "direct debits", "prélèvements" (direct_debit), "transfers", "virements" (transfer), "cash
  withdrawals", "retraits", "ATM" (cash_withdrawal). Two different kinds named give none (both are wanted). Words
  naming a kind are never a merchant's name nor a category ("retraits" is the kind, not the cash category);
- category: a word naming one of the core bank's categories ("restaurants", "courses", "loyer", "pharmacy");
- merchant: the words after "at", "chez", "from", "to", "with", "à"... up to a word that is something else (an
  article, a period, a category, a number): "at Uber Eats this month" -> "uber eats". How loosely a name matches is
  the core bank's business, not this module's;
- amounts: "over 100 €", "at least 50", "plus de 100 €" (a lower bound), "under 20 €", "moins de 20 €" (an upper
  bound), "between 20 and 50 €", "entre 20 et 50 €" (both), or an amount written with its currency and no such word
  ("the 49.99 € payment": that amount exactly).

Garbage gives nothing, never an exception.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from actions.text.amounts import parse_money
from actions.text.numbers import fold
from actions.text.periods import MONTHS, WEEKDAYS

IN, OUT = "in", "out"
MAX_TEXT = 500

_IN_WORDS = re.compile(
    r"\b(?:receiv\w*|came in|come in|coming in|got paid|get paid|incoming|credited|credits?|deposits?|refund\w*|rembours\w*"
    r"|sent me|paid me|earn\w*|recu\w*|touche\w*|rentre\w*|entrees?|encaiss\w*|verse\w* sur|vire\w* sur"
    r"|qui m'a (?:envoye|vire|paye))\b"
)
_OUT_WORDS = re.compile(
    r"\b(?:spen[dt]\w*|paid|pay|paying|payments?|purchases?|bought|buy|charged|debit\w*|went out|gone out|outgoing"
    r"|costs?|cost me|coute\w*|depense\w*|paye\w*|paie|paiements?|achat\w*|achete\w*|debite\w*|preleve\w*|prelevements?|sorties?"
    r"|claque\w*)\b"
)

# Words naming a kind of transaction a search filters by (the core bank's SEARCH_KINDS), folded.
_KIND_WORDS = {
    "card_payment": r"carte bleue|carte bancaire|cartes?|cards?|cb",
    "direct_debit": r"direct[ -]?debits?|debit orders?|prelevements?|prlv",
    "transfer": r"bank transfers?|wire transfers?|transfers?|wires?|virements?|transferts?",
    "cash_withdrawal": r"(?:cash )?withdrawals?|withdr[ae]w\w*|retraits?(?: d'especes| de liquide)?|retire(?:s|e|es|r)?"
                       r"|atms?|dab|cashpoints?|cash machines?|distributeurs?|cash|especes|liquide",
}
_KIND = re.compile(r"\b(?:" + "|".join(f"(?P<{kind}>{words})" for kind, words in _KIND_WORDS.items()) + r")\b")

# Words naming a category of the core bank (bot/core_bank/contract/categories.py), folded.
CATEGORY_WORDS = {
    "groceries": ("groceries", "grocery", "supermarket", "supermarkets", "supermarche", "supermarches", "courses",
                  "alimentation", "epicerie", "food", "nourriture", "bouffe"),
    "restaurants": ("restaurant", "restaurants", "resto", "restos", "restau", "restaus", "eating out", "takeaway",
                    "takeaways", "food delivery", "bars", "cafes"),
    "transport": ("transport", "transports", "taxi", "taxis", "trains", "fuel", "petrol", "essence", "carburant"),
    "housing": ("rent", "loyer", "loyers", "housing", "logement"),
    "bills": ("bills", "utilities", "factures", "facture"),
    "shopping": ("shopping", "clothes", "vetements", "fringues"),
    "leisure": ("leisure", "loisirs", "entertainment", "streaming", "gym", "sport", "concerts", "concert"),
    "health": ("health", "sante", "pharmacy", "pharmacie", "pharmacies", "doctor", "doctors", "medecin", "medecins"),
    "cash": ("cash", "especes", "liquide", "withdrawals", "retraits", "atm", "dab"),
    "transfers": ("transfers", "virements"),
    "savings": ("savings", "epargne"),
    "income": ("salary", "salaries", "salaire", "salaires", "income", "revenus", "wages", "pay slip"),
}
_CATEGORY_OF = {word: category for category, words in CATEGORY_WORDS.items() for word in words}
# In running text, "savings" and "épargne" name the savings account far more often than money put aside: only an
# entity says that category.
_IN_TEXT = sorted((word for word, category in _CATEGORY_OF.items() if category != "savings"), key=len, reverse=True)
_CATEGORY = re.compile(r"\b(" + "|".join(map(re.escape, _IN_TEXT)) + r")\b")

# Words that end (or cannot begin) a merchant's name.
_NOT_A_NAME = set("""
the a an my me mine your our this that these those last past previous next every each all any some it them
i you we they he she his her their its what which who how much many
and or but so then than since until till between from to at on in of for with by over under above below about
around during per
le la les l' un une des du de d' mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs ce cet cette ces
et ou mais puis depuis jusqu'au jusqu entre en dans sur sous pour par avec chez au aux a moi toi lui nous vous eux
je j' tu il elle on ils elles que qui quoi quel quelle quels quelles combien
today yesterday tomorrow week weekend week-end month months year years day days quarter morning night
aujourd'hui hier demain semaine semaines mois annee annees an ans jour jours trimestre matin soir dernier derniere
derniers dernieres passe passee prochain ici
money argent euros euro eur sous fric spent spend spending paid pay paying payments payment transactions transaction
purchases purchase received receive got get total much
depense depenses paye payes paiement paiements operations operation achats achat recu recus reception
recurring subscription subscriptions regularly still every month monthly weekly yearly
abonnement abonnements prelevement prelevements encore toujours chaque regulierement
please pls svp stp thanks merci
more less least most moins plus dessus dessous maximum minimum over under exactly exactement environ
go goes going out come comes coming be been being is are was were am do does did done have has had see show list
check find search look tell give send sent put make take takes taking taken get gets getting still again anything
something everything nothing someone anyone date due soon now time times next much often usually regular there here
aller va vais sortir sorti sortie venir vient payer paie payes faire fait voir savoir dire donner envoyer prendre pris
quoi rien tout tous toutes quelque chose personne temps fois prochainement bientot souvent actuellement cours
""".split())
_PREPOSITIONS = {"at", "chez", "from", "to", "with", "aupres", "pour", "for", "on", "a", "au", "aux", "avec", "de", "d'",
                 "par"}

_AT_LEAST = (r"over|above|more than|greater than|bigger than|larger than|higher than|at least|exceeding|upwards of"
             r"|plus de|au-dessus de|au dessus de|superieure?s? a|d'au moins|au moins|de minimum|minimum|depassant"
             r"|qui depassent|>=?")
_AT_MOST = (r"under|below|less than|smaller than|lower than|at most|no more than|up to|moins de|en dessous de"
            r"|en-dessous de|au-dessous de|inferieure?s? a|au plus|au maximum|maximum|pas plus de|<=?")
_BOUND = re.compile(rf"(?:^|\s|\b)(?P<word>{_AT_LEAST}|{_AT_MOST})\s*(?P<rest>[^?!;]{{0,30}})")
_BETWEEN = re.compile(r"\b(?:between|entre|from|de)\s+(?P<low>[^?!;]{1,20}?)\s+(?:and|et|to|a)\s+(?P<high>[^?!;]{1,20})")


@dataclass(frozen=True)
class AmountBounds:
    at_least: Optional[Decimal] = None
    at_most: Optional[Decimal] = None


def direction_in(text: str) -> Optional[str]:
    """IN for words of receiving, OUT for words of paying, None for neither."""
    words = fold((text or "")[:MAX_TEXT])
    if _IN_WORDS.search(words):
        return IN
    if _OUT_WORDS.search(words):
        return OUT
    return None


def kind_in(text: Optional[str]) -> Optional[str]:
    """The kind of transaction the text names (a key of the core bank's SEARCH_KINDS), or None: none named, or two
    different ones ("card payments and transfers")."""
    kinds = {match.lastgroup for match in _KIND.finditer(fold((text or "")[:MAX_TEXT]))}
    return kinds.pop() if len(kinds) == 1 else None


def without_kind_words(text: str) -> str:
    """The text, folded, without the words that name a kind ("mes retraits en octobre" -> "mes   en octobre")."""
    return _KIND.sub(" ", fold((text or "")[:MAX_TEXT]))


def names_only_a_kind(value: Optional[str]) -> bool:
    """Whether an entity's value is only words for a kind ("carte", "par carte", "cash"), not a name or category."""
    rest = without_kind_words(value or "")
    return kind_in(value) is not None and all(word in _NOT_A_NAME for word in re.findall(r"[\w']+", rest))


def category_in(text: str) -> Optional[str]:
    """The category a word of the text names (the first one), or None."""
    found = _CATEGORY.search(fold((text or "")[:MAX_TEXT]))
    return _CATEGORY_OF[found.group(1)] if found else None


def category_of(value: Optional[str]) -> Optional[str]:
    """A category entity's value as the core bank names it: a category, or a word for one ("restos"); else None.
    The whole value must be that word: "Pharmacie Lafayette" is a merchant, not the health category."""
    if not value:
        return None
    word = " ".join(fold(value).split())
    if word in CATEGORY_WORDS:
        return word
    return _CATEGORY_OF.get(word)


def _is_name_word(word: str) -> bool:
    return (word not in _NOT_A_NAME and word not in _CATEGORY_OF and not _KIND.fullmatch(word)
            and word not in MONTHS and word not in WEEKDAYS
            and not re.fullmatch(r"[\d.,'+-]+(?:st|nd|rd|th|er|e|eme)?|[\d.,]+k?", word))


def merchant_in(text: str) -> Optional[str]:
    """The merchant the text names after a preposition ("at Uber Eats", "chez Carrefour"), folded; None if none."""
    words = fold((text or "")[:MAX_TEXT])
    tokens = re.sub(r"[?!,;:()\"]|\b([ld])'", lambda m: f"{m.group(1)}' " if m.group(1) else " ", words).split()
    for at, token in enumerate(tokens):
        if token not in _PREPOSITIONS:
            continue
        name: list[str] = []
        for word in tokens[at + 1:at + 5]:
            word = word.strip(".'")
            if word in ("l", "d") and not name:
                continue  # "chez l'épicier", "d'EDF"
            if not word or not _is_name_word(word):
                break
            name.append(word)
        if name:
            return " ".join(name)
    return None


def _amount(fragment: str, currency_required: bool = False) -> Optional[Decimal]:
    money = parse_money(fragment, currency_required=currency_required)
    return money.amount if money is not None and money.currency == "EUR" else None


def amount_bounds(text: str, amount_entity: Optional[str] = None) -> AmountBounds:
    """Bounds on the size of the amounts asked for (see the module's rules)."""
    words = fold((text or "")[:MAX_TEXT])
    between = _BETWEEN.search(words)
    if between:
        high = _amount(between.group("high"))
        low = _amount(between.group("low"))
        if low is not None and high is not None and (
            parse_money(between.group(0), currency_required=True) is not None or amount_entity
        ):
            return AmountBounds(min(low, high), max(low, high))
    bounds = AmountBounds()
    for match in _BOUND.finditer(words):
        value = _amount(match.group("rest"))
        if value is None:
            continue
        if re.fullmatch(_AT_LEAST, match.group("word")):
            bounds = AmountBounds(value, bounds.at_most)
        else:
            bounds = AmountBounds(bounds.at_least, value)
    if bounds.at_least is not None and bounds.at_most is not None and bounds.at_least > bounds.at_most:
        return AmountBounds()
    if bounds != AmountBounds():
        return bounds
    exact = _amount(amount_entity) if amount_entity else _amount(words, currency_required=True)
    return AmountBounds(exact, exact) if exact is not None else AmountBounds()
