#!/usr/bin/python3
"""PyAV peer for `videovcreg bench decode`: the same two measures, printed as one JSON object.

usage: pyav_decode.py FILE --clips N --clip-len 16 --rate 4 --seed S --repeats R
(1) full decode to RGB24 ndarrays, frames/s (best of R passes);
(2) random training clips: open, seek to the window's keyframe, decode forward, convert the clip_len
    frames of the window (every `rate`-th frame) to RGB24; clips/s. Thread type AUTO (frame + slice),
    PyAV's fastest setting, so the comparison is against PyAV at its best.
"""
import argparse, json, random, time
import av


def open_video(path):
    container = av.open(path)
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"
    return container, stream


def full_decode(path):
    container, stream = open_video(path)
    n = 0
    start = time.perf_counter()
    for frame in container.decode(stream):
        frame.to_ndarray(format="rgb24")
        n += 1
    elapsed = time.perf_counter() - start
    container.close()
    return n, n / elapsed


def clip(path, start, clip_len, rate, fps):
    container, stream = open_video(path)
    tb = stream.time_base
    first_pts = stream.start_time or 0
    wanted = {start + rate * i for i in range(clip_len)}
    last = max(wanted)
    container.seek(first_pts + int(start / fps / tb), stream=stream, backward=True, any_frame=False)
    got = []
    for frame in container.decode(stream):
        # AVI with B-frames leaves pts unset on I/P frames: PyAV then has only the decode-order dts.
        ts = frame.pts if frame.pts is not None else frame.dts
        k = round(float((ts - first_pts) * tb) * fps)
        if k in wanted:
            got.append(frame.to_ndarray(format="rgb24"))
        if k >= last:
            break
    container.close()
    return len(got)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--clips", type=int, default=20)
    p.add_argument("--clip-len", type=int, default=16)
    p.add_argument("--rate", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    best = 0.0
    for _ in range(a.repeats):
        frames, fps_decoded = full_decode(a.file)
        best = max(best, fps_decoded)
    container, stream = open_video(a.file)
    fps = float(stream.average_rate)
    container.close()
    rng = random.Random(a.seed)
    window = a.clip_len * a.rate
    starts = [rng.randrange(0, max(1, frames - window + 1)) for _ in range(a.clips)]
    t0 = time.perf_counter()
    complete = sum(clip(a.file, s, a.clip_len, a.rate, fps) == a.clip_len for s in starts)
    clips_per_s = a.clips / (time.perf_counter() - t0)
    print(json.dumps({"frames": frames, "full_decode_fps": best, "clip_sampling_clips_per_s": clips_per_s,
                      "complete_clips": complete, "pyav": av.__version__}))


if __name__ == "__main__":
    main()
