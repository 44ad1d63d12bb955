"""The files of a trained model folder (``THIGH_RESULTS/DATASET/CONFIG``), named once.

``MODEL/fold_F/plans.json``, and per network ``MODEL/fold_F/NETWORK/`` with the
checkpoints below; training writes them (``thigh_networks.checkpoint``), prediction,
export, install and fine-tuning read them.
"""

FOLD_PREFIX = "fold_"
PLANS_FILE = "plans.json"
LATEST_CHECKPOINT = "checkpoint_latest.pt"
"""The resume point, written after every epoch (with optimiser and random-generator state)."""
BEST_CHECKPOINT = "checkpoint_best.pt"
"""The epoch with the best validation Dice."""
FINAL_CHECKPOINT = "checkpoint_final.pt"
"""The weights at the end of training: what ``thigh_predict`` loads."""
LABEL_VOLUMES_FILE = "label_volumes.json"
"""Per muscle, the smallest and largest volume (mL) among a fold's training legs; for the quality check."""
