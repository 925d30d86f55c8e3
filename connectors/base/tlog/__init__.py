"""Transparency-log formats shared by the hub's audit log and the witnesses: RFC 6962 Merkle trees, C2SP checkpoints, signed notes and cosignatures."""
