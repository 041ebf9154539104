"""The browser's screen and the full screens pushed over it (the modal dialogs live in
`tui/dialogs/`).

- `main`: `MainScreen`, the App's default screen (styled once at start).

- `actor`: the actor view, one user's (client IP's, object's) events over the loaded range
  in time order, with the gap to the previous one and "first seen" badges (`a`, `A`).
"""
