"""府院通 hub: the data-sharing exchange between courts and government agencies."""

__version__ = "0.1.0"
