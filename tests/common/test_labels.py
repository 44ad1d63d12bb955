from thigh_common.labels import LABEL_GROUPS, LABELS, MUSCLE_LABELS, NUM_CLASSES, dataset_json_labels


def test_label_table_matches_design():
    assert NUM_CLASSES == 11
    assert LABELS[0] == "background"
    assert LABELS[6] == "adductors"
    assert tuple(range(1, 11)) == MUSCLE_LABELS


def test_groups_cover_every_muscle_once():
    grouped = sorted(label for members in LABEL_GROUPS.values() for label in members)
    assert grouped == list(MUSCLE_LABELS)


def test_dataset_json_labels_are_name_to_value():
    labels = dataset_json_labels()
    assert labels["background"] == 0
    assert labels["semimembranosus"] == 10
    assert len(labels) == NUM_CLASSES
