"""The modal dialogs: range, login, export, column picker, actor view by…, the help screen.

Each returns its result through `dismiss` (None when cancelled); the App or a flow pushes
it and acts on the result. Text from servers or events is shown literally, never as markup.
"""
