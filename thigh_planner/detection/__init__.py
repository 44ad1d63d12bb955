"""Thigh detection (design step 2): find the femoral shafts, the thigh range and the legs' sides."""
