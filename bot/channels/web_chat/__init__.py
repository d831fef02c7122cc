"""The web chat on the bank's site (credentials.yml: `bot.channels.web_chat.WebChatInput`): socket.io, signed sessions."""
from bot.channels.web_chat.channel import WebChatInput, WebChatOutput

__all__ = ["WebChatInput", "WebChatOutput"]
