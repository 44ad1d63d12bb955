"""Thigh detection (step 3 of documentation/architecture.md): find the femoral shafts, the thigh range and the legs' sides."""
