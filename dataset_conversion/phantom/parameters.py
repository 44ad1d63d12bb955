"""Subject and leg parameters of one phantom case, and their random sampling.

All lengths are in mm, angles in degrees, intensities in HU. The world frame is
LPS (x towards the patient's left, y posterior, z superior); the femoral head
centres lie at y = 0 and near z = 0, left and right of the midline x = 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from dataset_conversion.phantom.anatomy import NUM_SITES

SIDE_SIGN: dict[str, int] = {"right": -1, "left": 1}
"""World x sign of each patient side in LPS."""
THIGH_FAT_RATIO = 0.75
"""Subcutaneous fat at mid-thigh relative to the subject's (trunk) fat thickness."""


@dataclass(frozen=True)
class LegParams:
    """Parameters of one leg.

    Attributes:
        side: ``"left"`` or ``"right"`` (patient side, world x sign from :data:`SIDE_SIGN`).
        hip_centre: Femoral head centre in world mm.
        femur_length: Head centre to knee centre (mm).
        head_radius: Femoral head radius.
        neck_length: Head centre to the shaft axis along the neck.
        neck_depression: Angle of the neck below horizontal (sets the neck-shaft angle).
        anteversion: Femoral neck anteversion.
        knee_tilt: Medial tilt of the mechanical axis in the neutral pose (knees closer than hips).
        abduction: Hip abduction (+ moves the knee laterally).
        flexion: Hip flexion (+ lifts the knee anteriorly).
        rotation: Internal rotation about the leg axis (+ turns the patella medially).
        bone_scale: Scale of bone widths.
        muscle_scale: Atrophy: scale of the muscle compartment (1 = normal).
        fat_infiltration: Fraction of muscle replaced by fat (diffuse + marbling).
        fat_thickness: Subcutaneous fat thickness at mid-thigh.
        muscle_hu: Mean HU of each site before fat infiltration ``(NUM_SITES,)``.
        site_jitter: Per-site (angle deg, depth factor, size factor) ``(NUM_SITES, 3)``.
        septum: Symmetric fat septum thickness between sites ``(NUM_SITES, NUM_SITES)`` mm.
        waves: Plane waves of the marbling texture ``(K, 5)``: kx, ky, kz (rad/mm), phase, amplitude.
        cortex_hu: Cortical bone HU.
        marrow_hu: Fatty marrow HU of the shaft.
        trabecular_hu: Trabecular bone HU of the bone ends.
        artery_radius: Femoral artery radius.
        vein_radius: Femoral vein radius.
        pocket_mm: Size of the intermuscular fat pockets where three muscles meet.
        knee_flexion: Flexion of the shin at the knee (+ moves the ankle posteriorly; 0 = the shin
            continues the mechanical axis, the default). Only the shin below the knee turns.
        knee_adduction: Turn of the shin at the knee towards the midline (+ moves the ankle medially).
    """

    side: str
    hip_centre: np.ndarray
    femur_length: float
    head_radius: float
    neck_length: float
    neck_depression: float
    anteversion: float
    knee_tilt: float
    abduction: float
    flexion: float
    rotation: float
    bone_scale: float
    muscle_scale: float
    fat_infiltration: float
    fat_thickness: float
    muscle_hu: np.ndarray
    site_jitter: np.ndarray
    septum: np.ndarray
    waves: np.ndarray
    cortex_hu: float
    marrow_hu: float
    trabecular_hu: float
    artery_radius: float
    vein_radius: float
    pocket_mm: float = 2.0
    knee_flexion: float = 0.0
    knee_adduction: float = 0.0

    @property
    def sign(self) -> int:
        """World x sign of the leg's side."""
        return SIDE_SIGN[self.side]


@dataclass(frozen=True)
class SubjectParams:
    """Parameters of one subject (both legs, pelvis, table, imaging).

    Attributes:
        scale: Overall body size factor (height).
        hip_half_width: Distance of the femoral head centres from the midline.
        obliquity: Height of the left head centre above the right one, halved (pelvic obliquity).
        fat_thickness: Subject subcutaneous fat thickness (trunk).
        crotch_depth: Distance of the crotch below the head centres.
        crest_height: Height of the iliac crest above the head centres.
        shin_length: Length of shin below the knee centre in the field of view.
        fat_hu: Subcutaneous fat HU.
        skin_hu: Skin HU.
        skin_thickness: Skin thickness.
        tendon_hu: Tendon HU.
        blood_hu: Non-contrast blood HU.
        pelvic_cortex_hu: Cortical HU of the pelvis.
        table_y: Table top at the midline (world y); sampled as the depth (mm) by which the
            thighs sink into the table, then set by :func:`place_table`.
        table_radius: Radius of curvature of the table shell.
        table_shell_hu: HU of the carbon shell.
        table_foam_hu: HU of the foam core.
        bladder: Bladder centre offset and radii ``(6,)``.
        bowel: Bowel loops ``(M, 8)``: centre xyz, radii xyz, gas fraction, content HU.
        noise_sigma: Standard deviation of the image noise (HU).
        psf_mm: Gaussian sigma of the in-plane point spread function.
        legs: The legs in the field of view.
        table_end_z: World z where the table ends (no table below it); ``-inf`` (default) for a
            table under the whole field of view.
    """

    scale: float
    hip_half_width: float
    obliquity: float
    fat_thickness: float
    crotch_depth: float
    crest_height: float
    shin_length: float
    fat_hu: float
    skin_hu: float
    skin_thickness: float
    tendon_hu: float
    blood_hu: float
    pelvic_cortex_hu: float
    table_y: float
    table_radius: float
    table_shell_hu: float
    table_foam_hu: float
    bladder: np.ndarray
    bowel: np.ndarray
    noise_sigma: float
    psf_mm: float
    legs: tuple[LegParams, ...] = field(default_factory=tuple)
    table_end_z: float = float("-inf")


def _sample_waves(rng: np.random.Generator, count: int = 12) -> np.ndarray:
    """Plane waves elongated along the leg (small axial wave number), wavelengths 5-25 mm."""
    waves = np.empty((count, 5), dtype=np.float64)
    for i in range(count):
        wavelength = rng.uniform(5.0, 25.0)
        direction = np.array([rng.normal(), rng.normal(), 0.25 * rng.normal()])
        direction /= np.linalg.norm(direction)
        waves[i, :3] = direction * 2.0 * np.pi / wavelength
        waves[i, 3] = rng.uniform(0, 2 * np.pi)
        waves[i, 4] = rng.uniform(0.5, 1.0)
    waves[:, 4] /= np.sqrt(0.5 * np.sum(waves[:, 4] ** 2))
    return waves


def _sample_septum(rng: np.random.Generator) -> np.ndarray:
    """Symmetric septum thickness matrix; some neighbours are nearly fused (vasti)."""
    septum = rng.uniform(0.5, 2.0, size=(NUM_SITES, NUM_SITES))
    septum = np.triu(septum, 1)
    septum = septum + septum.T
    fused = [(2, 3), (3, 4), (2, 4)]  # vastus lateralis / intermedius / medialis (0-based)
    for a, b in fused:
        septum[a, b] = septum[b, a] = rng.uniform(0.1, 0.6)
    return septum


def sample_leg(
    rng: np.random.Generator, side: str, subject_scale: float, hip_half_width: float, base: dict[str, float]
) -> LegParams:
    """Sample one leg; ``base`` carries subject-level atrophy, fat and pose tendencies."""
    sign = SIDE_SIGN[side]
    muscle_hu = rng.uniform(46.0, 64.0, size=NUM_SITES)
    jitter = np.stack(
        [
            rng.normal(0, 4.0, NUM_SITES),
            1 + rng.normal(0, 0.04, NUM_SITES),
            1 + rng.normal(0, 0.07, NUM_SITES),
        ],
        axis=1,
    )
    obliquity = base["obliquity"] * sign
    return LegParams(
        side=side,
        hip_centre=np.array([sign * hip_half_width, 0.0, obliquity]),
        femur_length=430.0 * subject_scale * rng.uniform(0.98, 1.02),
        head_radius=23.0 * subject_scale * rng.uniform(0.95, 1.05),
        neck_length=55.0 * subject_scale * rng.uniform(0.92, 1.08),
        neck_depression=rng.uniform(35.0, 45.0),
        anteversion=rng.uniform(5.0, 20.0),
        knee_tilt=rng.uniform(1.5, 4.0),
        abduction=float(np.clip(base["abduction"] + rng.normal(0, 3.0), -3.0, 15.0)),
        flexion=float(np.clip(base["flexion"] + rng.normal(0, 1.5), 0.0, 12.0)),
        rotation=float(np.clip(base["rotation"] + rng.normal(0, 6.0), -20.0, 20.0)),
        bone_scale=subject_scale * rng.uniform(0.95, 1.05),
        muscle_scale=float(np.clip(base["muscle_scale"] * rng.uniform(0.9, 1.05), 0.65, 1.1)),
        fat_infiltration=float(np.clip(base["infiltration"] + rng.normal(0, 0.02), 0.0, 0.12)),
        fat_thickness=float(np.clip(THIGH_FAT_RATIO * base["fat"] * rng.uniform(0.9, 1.1), 4.0, 30.0)),
        muscle_hu=muscle_hu,
        site_jitter=jitter,
        septum=_sample_septum(rng),
        waves=_sample_waves(rng),
        cortex_hu=base["cortex_hu"] + rng.normal(0, 40.0),
        marrow_hu=rng.uniform(-50.0, 100.0),
        trabecular_hu=rng.uniform(200.0, 400.0),
        artery_radius=rng.uniform(3.5, 4.5) * subject_scale,
        vein_radius=rng.uniform(4.5, 6.0) * subject_scale,
        pocket_mm=rng.uniform(1.5, 3.0),
    )


def sample_subject(rng: np.random.Generator, sides: tuple[str, ...] = ("right", "left")) -> SubjectParams:
    """Sample a subject with the legs named in ``sides``.

    Args:
        rng: The case's random generator (the only source of randomness).
        sides: Patient sides whose legs are rendered.

    Returns:
        The subject's parameters.
    """
    scale = rng.uniform(0.9, 1.1)
    fat = float(np.exp(rng.uniform(np.log(5.0), np.log(40.0))))
    hip_half_width = 92.0 * scale * rng.uniform(0.95, 1.05)
    base = {
        "obliquity": rng.uniform(-4.0, 4.0),
        "abduction": rng.uniform(-2.0, 12.0),
        # Supine legs lie nearly straight; a few subjects lift the knees a little.
        "flexion": rng.uniform(0.0, 5.0) if rng.random() > 0.15 else rng.uniform(5.0, 10.0),
        "rotation": rng.uniform(-12.0, 12.0),
        "muscle_scale": rng.uniform(0.72, 1.05),
        "infiltration": rng.uniform(0.0, 0.08),
        "fat": fat,
        "cortex_hu": rng.uniform(1250.0, 1750.0),
    }
    # Legs are always sampled for both sides so that a one-leg case matches the two-leg one.
    legs_all = {side: sample_leg(rng, side, scale, hip_half_width, base) for side in ("right", "left")}
    n_bowel = int(rng.integers(4, 9))
    bowel = np.column_stack(
        [
            rng.uniform(-55, 55, n_bowel),
            rng.uniform(-55, 25, n_bowel),
            rng.uniform(60, 150, n_bowel) * scale,
            rng.uniform(12, 28, (n_bowel, 3)),
            rng.uniform(0.0, 0.6, n_bowel),
            rng.uniform(10, 45, n_bowel),
        ]
    )
    return SubjectParams(
        scale=scale,
        hip_half_width=hip_half_width,
        obliquity=base["obliquity"],
        fat_thickness=fat,
        crotch_depth=rng.uniform(60.0, 80.0) * scale,
        crest_height=rng.uniform(130.0, 165.0) * scale,
        shin_length=rng.uniform(100.0, 140.0),
        fat_hu=rng.uniform(-120.0, -80.0),
        skin_hu=rng.uniform(20.0, 45.0),
        skin_thickness=rng.uniform(1.5, 2.0),
        tendon_hu=rng.uniform(80.0, 100.0),
        blood_hu=rng.uniform(35.0, 50.0),
        pelvic_cortex_hu=rng.uniform(900.0, 1400.0),
        table_y=rng.uniform(1.0, 5.0),
        table_radius=rng.uniform(600.0, 900.0),
        table_shell_hu=rng.uniform(200.0, 400.0),
        table_foam_hu=rng.uniform(-700.0, -100.0),
        bladder=np.array(
            [rng.uniform(-8, 8), rng.uniform(-40, -20), rng.uniform(0, 30), *rng.uniform(28, 48, 3)]
        ),
        bowel=bowel,
        noise_sigma=rng.uniform(8.0, 25.0),
        psf_mm=rng.uniform(0.5, 0.9),
        legs=tuple(legs_all[side] for side in sides),
    )


def place_table(subject: SubjectParams, posterior_extent: float) -> SubjectParams:
    """Put the table top where the posterior thighs rest, sunk by the sampled depth.

    Args:
        subject: Subject whose ``table_y`` holds the sinking depth.
        posterior_extent: World y of the posterior skin of the proximal thighs where they rest
            (for two legs, the one lying higher). The buttocks and any skin beyond the table
            are flattened against it by the renderer.
    """
    return replace(subject, table_y=float(posterior_extent - subject.table_y))
