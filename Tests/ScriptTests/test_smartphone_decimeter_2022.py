"""smartphone-decimeter-2022: whole drive days held out; the held-out drives' ground_truth.csv
rows are the answers (one per trip and timestamp) and never reach public/."""

COMPETITION = "smartphone-decimeter-2022"

TRUTH = ["MessageType", "Provider", "LatitudeDegrees", "LongitudeDegrees", "AltitudeMeters",
         "SpeedMps", "AccuracyMeters", "BearingDegrees", "UnixTimeMillis"]
# Two drives share a day (it must move as one), the others have a day each.
DRIVES = ["2020-05-15-US-MTV-1", "2020-05-15-US-MTV-2", "2020-5-21-US-MTV-1",
          "2021-01-04-US-RWC-1", "2021-04-28-US-SJC-1", "2021-07-19-US-MTV-1",
          "2021-12-07-US-LAX-1", "2022-01-11-US-MTV-1", "2022-02-24-US-LAX-1",
          "2022-04-25-US-OAK-1", "2022-03-22-US-MTV-1"]
PHONES = ["GooglePixel4", "SamsungGalaxyS20Ultra"]


def build(raw):
    for d, drive in enumerate(DRIVES):
        for phone in PHONES[: 1 + d % 2]:
            base = f"train/{drive}/{phone}"
            raw.csv(f"{base}/device_gnss.csv", ["MessageType", "utcTimeMillis", "Svid"],
                    [["Raw", 1589570000000 + t, 5] for t in range(3)])
            raw.media(f"{base}/device_imu.csv")
            raw.media(f"{base}/supplemental/{phone}.nmea")
            raw.csv(f"{base}/ground_truth.csv", TRUTH,
                    [["Fix", "GT", 37.4 + d / 100 + t / 1e5, -122.1 - t / 1e5, 10, 0, 0.1, 0,
                      1589570000000 + 1000 * t] for t in range(4)])
    raw.media("test/2022-05-01-US-SJC-1/GooglePixel6Pro/device_gnss.csv")
    raw.media("metadata/raw_state_bit_map.json")
    raw.csv("sample_submission.csv", ["tripId", "UnixTimeMillis", "LatitudeDegrees", "LongitudeDegrees"],
            [["2022-05-01-US-SJC-1/GooglePixel6Pro", 1651000000000, 37.9, -86.4]])


def test_holds_out_whole_days_and_keeps_their_ground_truth_private(raw, split):
    build(raw)
    task = split(COMPETITION)
    test_drives = task.files("test")
    train_drives = task.files("train")
    assert test_drives and train_drives and set(test_drives).isdisjoint(train_drives)
    assert sorted(test_drives + train_drives) == sorted(DRIVES)
    # 10 distinct days: one held out, and a day's two drives stay together.
    assert len({d[:10] for d in test_drives}) == 1
    assert ("2020-05-15-US-MTV-1" in test_drives) == ("2020-05-15-US-MTV-2" in test_drives)
    assert not [p for p in task.tree("test") if p.endswith("ground_truth.csv")]
    assert task.copied(f"train/{train_drives[0]}/GooglePixel4/ground_truth.csv",
                       f"train/{train_drives[0]}/GooglePixel4/ground_truth.csv")
    assert task.copied(f"test/{test_drives[0]}/GooglePixel4/device_gnss.csv",
                       f"train/{test_drives[0]}/GooglePixel4/device_gnss.csv")
    trips = {a["trip"] for a in task.answers}
    assert all(t.split("/")[0] in test_drives for t in trips)
    assert len(task.answers) == 4 * len(trips)
    for answer in task.answers:
        trip, time = answer["id"].rsplit("_", 1)
        assert trip == answer["trip"] and time.isdigit()
    _, test = task.csv("test.csv")
    assert [r["id"] for r in test] == task.answer_ids()
    assert task.files("metadata") == ["raw_state_bit_map.json"]
    sample = task.sample(["id", "LatitudeDegrees", "LongitudeDegrees"])
    assert {r["LatitudeDegrees"] for r in sample} == {"37.904611315634504"}


def test_refuses_a_drive_folder_it_cannot_date(raw, tmp_path, harness):
    import pytest

    build(raw)
    raw.media("train/unnamed-drive/GooglePixel4/device_gnss.csv")
    with pytest.raises(AssertionError, match="cannot tell its day"):
        harness.run_script(COMPETITION, raw.root, tmp_path / "out", hash_seed="1")
