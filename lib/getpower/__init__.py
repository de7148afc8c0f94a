"""getpower — supervision analytics for Zhejiang's 获得电力 action plan 2021–2023."""
__version__ = "0.1.0"
