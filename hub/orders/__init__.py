"""Seizure, freeze, release and renewal orders between courts and agencies (查封 / 冻结 / 解封 / 续封)."""
