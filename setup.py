"""Installation of the thighseg toolkit (2.5D U-Net thigh muscle segmentation in CT)."""

from pathlib import Path

from setuptools import find_packages, setup

README = Path(__file__).with_name("README.md")

setup(
    name="thighseg",
    version="0.1.0",
    description="Self-configuring 2.5D U-Net toolkit that segments and measures ten thigh muscles in CT",
    long_description=README.read_text(encoding="utf-8") if README.exists() else "",
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(
        include=[
            "thigh_common*",
            "thigh_planner*",
            "thigh_networks*",
            "thigh_trainer*",
            "thigh_inference*",
            "dataset_conversion*",
            "thigh_evaluation*",
        ]
    ),
    install_requires=[
        "torch>=2.1",
        "SimpleITK>=2.2",
        "batchgenerators>=0.25",
        "numpy>=1.24",
        "scipy>=1.10",
        "scikit-image>=0.21",
        "acvl-utils>=0.2",
        "tqdm>=4.60",
        "pandas>=2.0",
        "matplotlib>=3.7",
        # thigh_report: index.html rendered from index.md.
        "markdown>=3.4",
        # CPU inference: OpenVINO runs the networks 1.6-2.2x faster than PyTorch there,
        # fed through torch's ONNX exporter (which needs onnx).
        "openvino>=2024.0",
        "onnx>=1.15",
        # thigh_predict --int8: OpenVINO's post-training quantisation (1.9x faster than bf16 on a CPU).
        "nncf>=2.12",
    ],
    extras_require={
        "test": ["pytest>=7.4", "medpy>=0.5.2"],
        "dev": ["pytest>=7.4", "medpy>=0.5.2", "ruff==0.17.6", "pre-commit>=3.5"],
    },
    entry_points={
        "console_scripts": [
            "thigh_synth=dataset_conversion.phantom.cli:main",
            "thigh_validate=dataset_conversion.validation.cli:main",
            "thigh_convert=dataset_conversion.cli:main",
            "thigh_plan=thigh_planner.cli:main",
            "thigh_train=thigh_trainer.cli:main",
            "thigh_predict=thigh_inference.cli:main",
            "thigh_evaluate=thigh_evaluation.cli:main",
            "thigh_compare=thigh_evaluation.comparison.cli:main",
            "thigh_experiment=thigh_evaluation.experiment.cli:main",
            "thigh_report=thigh_evaluation.report.cli:main",
        ]
    },
)
