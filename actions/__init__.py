"""Custom Rasa actions for Kintsugi, one module per concern."""
