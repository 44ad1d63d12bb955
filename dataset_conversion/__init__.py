"""Raw datasets: the synthetic thigh CT phantom, DICOM and nnU-Net imports, validation."""
