"""Full screens pushed over the browser (the modal dialogs live in `tui/dialogs/`).

- `actor`: the actor view, one user's (client IP's, object's) events over the loaded range
  in time order, with the gap to the previous one and "first seen" badges (`a`, `A`).
"""
