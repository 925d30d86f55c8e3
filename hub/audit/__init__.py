"""The tamper-evident audit log: recording, Merkle tree, checkpoints, auditor workspace."""
