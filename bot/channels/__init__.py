"""Where young people chat: the Telegram bridge and the web chat server.

Both talk to the Rasa server's REST channel on loopback (`rasa_client`), never expose Rasa
themselves, and say the same things when Rasa cannot answer (`channel_*` in
content/messages.yml).
"""
