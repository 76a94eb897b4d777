"""Local e-mail: the SMTP inbox the local runtime starts, and the relay that turns an SNS
topic's e-mail subscriptions into real messages there (the emulator sends no e-mail)."""
