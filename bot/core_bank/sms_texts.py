"""The texts of the bank's SMS, one template per language (en, the default, and fr).

Who asks for a code says which language its SMS is in (`language` of the OTP challenge and of a
transfer's preparation: the conversation's language); the warning after wrong codes follows the
customer's locale at the bank. Texts stay within GSM-7 where they can (no narrow spaces in amounts). They name the
bank's chat, not one channel: the same code is typed in Messenger or in the web chat on the bank's site.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Optional

from bot.core_bank.money import CENT, spoken_amount

ENGLISH, FRENCH = "en", "fr"
SMS_LANGUAGES = (ENGLISH, FRENCH)
DEFAULT_LANGUAGE = ENGLISH

TEMPLATES = {
    ENGLISH: {
        "sign_in": "Your bank chat code is {code}. It expires in {duration}. "
                   "Never share it — the bank will never ask for it.",
        "approval": "Code {code} to {approves}. It expires in {duration}. "
                    "Never share it — the bank will never ask for it.",
        "transfer": "send {amount} to {payee}",
        "own_move": "move {amount} to your {account}",
        "account.current": "current account", "account.savings": "savings account",
        "failed_attempts": "Someone tried to use a code to reach your accounts in your bank's chat and got it wrong "
                           "too many times, so we've paused their attempts for {duration}. No code was accepted. If it wasn't "
                           "you, you don't need to do anything; if you're worried, call your advisor. Never share a "
                           "code — the bank will never ask for it.",
        "minute": "{count} minute", "minutes": "{count} minutes",
        "second": "{count} second", "seconds": "{count} seconds",
    },
    FRENCH: {
        "sign_in": "Votre code pour le chat de votre banque est {code}. Il expire dans {duration}. "
                   "Ne le communiquez jamais : la banque ne vous le demandera jamais.",
        "approval": "Code {code} pour {approves}. Il expire dans {duration}. "
                    "Ne le communiquez jamais : la banque ne vous le demandera jamais.",
        "transfer": "envoyer {amount} à {payee}",
        "own_move": "virer {amount} vers votre {account}",
        "account.current": "compte courant", "account.savings": "compte épargne",
        "failed_attempts": "Quelqu'un a essayé d'utiliser un code pour accéder à vos comptes dans le chat de votre "
                           "banque et s'est trompé trop de fois : ses tentatives sont suspendues pendant {duration}. Aucun code n'a été "
                           "accepté. Si ce n'était pas vous, vous n'avez rien à faire ; en cas de doute, appelez votre "
                           "conseiller. Ne communiquez jamais un code : la banque ne vous le demandera jamais.",
        "minute": "{count} minute", "minutes": "{count} minutes",
        "second": "{count} seconde", "seconds": "{count} secondes",
    },
}


def sms_language(language: Optional[str]) -> str:
    """`language` if the bank writes SMS in it, else English."""
    return language if language in SMS_LANGUAGES else DEFAULT_LANGUAGE


def language_of_locale(locale: Optional[str]) -> str:
    """"fr_FR" → "fr"; anything else → English."""
    return sms_language((locale or "").replace("-", "_").split("_")[0].lower())


def _template(language: Optional[str], key: str) -> str:
    return TEMPLATES[sms_language(language)][key]


def duration(seconds: int, language: Optional[str] = None) -> str:
    if seconds % 60 == 0:
        minutes = seconds // 60
        return _template(language, "minute" if minutes == 1 else "minutes").format(count=minutes)
    return _template(language, "second" if seconds == 1 else "seconds").format(count=seconds)


def amount_text(amount: Decimal, currency: str, language: Optional[str] = None) -> str:
    """"€1,250.00" (en), "1 250,00 €" (fr)."""
    if sms_language(language) == FRENCH:
        figure = f"{amount.quantize(CENT):,.2f}".replace(",", " ").replace(".", ",")
        return f"{figure} €" if currency == "EUR" else f"{figure} {currency}"
    return spoken_amount(amount, currency)


def sign_in_text(code: str, ttl_seconds: int, language: Optional[str] = None) -> str:
    return _template(language, "sign_in").format(code=code, duration=duration(ttl_seconds, language))


def approval_text(code: str, approves: str, ttl_seconds: int, language: Optional[str] = None) -> str:
    return _template(language, "approval").format(
        code=code, approves=approves, duration=duration(ttl_seconds, language)
    )


def transfer_text(amount: Decimal, currency: str, payee: str, language: Optional[str] = None) -> str:
    """What a transfer code approves: "send €20.00 to Tom Bernard", "envoyer 20,00 € à Tom Bernard"."""
    return _template(language, "transfer").format(amount=amount_text(amount, currency, language), payee=payee)


def own_move_text(amount: Decimal, currency: str, account_type: str, account_name: str,
                  language: Optional[str] = None) -> str:
    """What a code for a move between the customer's own accounts approves: "move €200.00 to your savings account"."""
    templates = TEMPLATES[sms_language(language)]
    account = templates.get(f"account.{account_type}", account_name)
    return templates["own_move"].format(amount=amount_text(amount, currency, language), account=account)


def failed_attempts_text(lock_seconds: int, language: Optional[str] = None) -> str:
    return _template(language, "failed_attempts").format(duration=duration(lock_seconds, language))
