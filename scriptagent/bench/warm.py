"""The warm worker: a one-shot edit's rebuild with the model kept loaded, against loading it and rendering.

A tiny, randomly initialised Wan 2.1 image-to-video model is built here (no download) and rendered on the CPU. The
same production is built twice, in-process (`executor: local`) and through the warm worker (`executor: warm`) on
a local Ray cluster; after both first builds, one shot is edited in both and each is rebuilt, timed. The render
alone is the worker's own time for the edited segment's render (the model loaded); the load is timed in a fresh
process: importing torch and diffusers and loading the pipeline, what every in-process `doit` pays first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .productions import doit, edit_script, make_production, shot_in

TEXT = """\
title: Warm
seed: 1
style: {{look: flat, resolution: [{width}, {height}], fps: 8, slate: false, subtitles: false}}
cast:
  - {{id: ana, name: Ana, appearance: "young woman, long brown hair, yellow raincoat"}}
  - {{id: ben, name: Ben, appearance: "man in his fifties, bald, green sweater"}}
setting: "a small kitchen in the morning"
dialogue:
  - ana: "You're up early."
  - ben: "Couldn't sleep. Big day today."
scripter: {{backend: rule-based, establishing_shot: false, closing_shot: false}}
director: {{backend: diffusers, pipeline: wan-i2v, model: {model}, steps: {steps}, fps: 4, max_segment_seconds: 4,
           anchoring: none}}
critic: {{metrics: [structure], judge: none}}
executor: {{kind: {kind}}}
"""

LOAD = """\
import json, time
started = time.perf_counter()
from scriptagent.director import load_renderer
from scriptagent.layout import BuildLayout
from scriptagent.plan import read_segment
load_renderer(read_segment(BuildLayout(), {segment!r}).director).video_pipe()
print(json.dumps({{"load_s": time.perf_counter() - started}}))
"""


def tiny_wan(folder: Path) -> Path:
    """Wan 2.1 I2V with a handful of channels (the classes and compression factors of the real one), saved with
    save_pretrained; a word-level tokenizer trained on a few words."""
    import torch
    from diffusers import (
        AutoencoderKLWan,
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
        WanTransformer3DModel,
    )
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        CLIPVisionModel,
        PreTrainedTokenizerFast,
        UMT5Config,
        UMT5EncoderModel,
    )

    words = Tokenizer(models.WordLevel(unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    words.train_from_iterator(["a woman man kitchen morning wide shot close-up medium eye-level static camera"],
                              trainers.WordLevelTrainer(special_tokens=["<pad>", "</s>", "<unk>"]))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>", model_max_length=16)
    torch.manual_seed(0)
    pipe = WanImageToVideoPipeline(
        tokenizer=tokenizer, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        text_encoder=UMT5EncoderModel(UMT5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=32, num_layers=1,
                                                 num_heads=2, relative_attention_num_buckets=8)),
        vae=AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                             temperal_downsample=[False, True, True]),
        image_processor=CLIPImageProcessor(crop_size=32, size=32),
        image_encoder=CLIPVisionModel(CLIPVisionConfig(hidden_size=4, projection_dim=4, num_hidden_layers=2,
                                                       num_attention_heads=2, image_size=32, intermediate_size=16,
                                                       patch_size=8)),
        transformer=WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                          in_channels=36, out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32,
                                          num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                          rope_max_seq_len=32, image_dim=4))
    pipe.save_pretrained(folder)
    return folder


def bench_warm(work: Path, resolution: tuple[int, int] = (64, 64), steps: int = 4) -> dict:
    """7. A one-shot edit's rebuild with the warm worker, against the same rebuild in-process (which loads the
    model first) and against the render alone. Needs the `ray` and `video` extras; runs on the CPU."""
    import ray

    from ..executor import start_warm_worker, stop_warm_worker, warm_worker_status

    model = tiny_wan(work / "warm-model")
    folders = {kind: make_production(work / f"warm-{kind}", TEXT.format(
        width=resolution[0], height=resolution[1], model=model, steps=steps, kind=kind)) for kind in ("local", "warm")}
    ours = not ray.is_initialized()
    if ours:  # a cluster of its own, joined by the builds through $RAY_ADDRESS
        ray.init(address="local", num_cpus=1, include_dashboard=False, logging_level="ERROR")
    previous = {name: os.environ.get(name) for name in ("RAY_ADDRESS", "SCRIPTAGENT_EXECUTOR")}
    os.environ["RAY_ADDRESS"] = ray.get_runtime_context().gcs_address
    os.environ.pop("SCRIPTAGENT_EXECUTOR", None)  # each production's own executor
    try:
        stop_warm_worker("auto")  # a worker of an earlier run would hold models already
        start_warm_worker("auto", None, 0, 0)
        for folder in folders.values():
            doit(folder)  # the first build: both load the model
        shot = json.loads((folders["warm"] / "build" / "plan.json").read_text())["shots"][-1]["id"]
        for folder in folders.values():
            edit_script(folder, lambda data: shot_in(data, shot).update(description="She turns to the window."))
        local_s, local_out = doit(folders["local"])
        warm_s, warm_out = doit(folders["warm"])
        status = warm_worker_status("auto")
        load = subprocess.run([sys.executable, "-c", LOAD.format(segment=shot)], cwd=folders["local"],
                              capture_output=True, text=True, check=True)
        load_s = json.loads(load.stdout.strip().splitlines()[-1])["load_s"]
    finally:
        stop_warm_worker("auto")
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if ours:
            ray.shutdown()
    render_s = next(r["seconds"] for r in reversed(status["recent"]) if r["task"] == f"render:{shot}")
    rendered = [line for line in warm_out.splitlines() if line.startswith(".  render:")]
    return {"model": "tiny Wan 2.1 I2V (random weights), CPU", "resolution": list(resolution), "steps": steps,
            "edited_shot": shot, "rendered": len(rendered), "rebuild_warm_s": round(warm_s, 2),
            "rebuild_local_s": round(local_s, 2), "load_s": round(load_s, 2), "render_s": round(render_s, 2),
            "fixed_s": round(warm_s - render_s, 2), "local_fixed_s": round(local_s - load_s - render_s, 2),
            "ratio_to_render": round(warm_s / render_s, 2),
            "ratio_to_local": round(warm_s / local_s, 2), "pipeline_loads": status["pipeline_loads"],
            "notice_in_local": "executor: warm" in local_out}


def warm_rows(r: dict) -> list[tuple]:
    """The benchmark table's rows for bench_warm's figures."""
    what = f"one-shot edit rebuild, warm worker ({r['model']}, {r['resolution'][0]}×{r['resolution'][1]})"
    local = f"in-process rebuild {r['rebuild_local_s']} s (load {r['load_s']} s + render {r['render_s']} s + the rest)"
    return [
        (what, f"{r['rebuild_warm_s']} s", local, f"{r['ratio_to_local']}×", "< 1× (the load is gone)"),
        ("same rebuild against the render alone", f"{r['rebuild_warm_s']} s",
         f"render alone {r['render_s']} s (model loaded)", f"{r['ratio_to_render']}×",
         f"≤ 1.2× (the rest: +{r['fixed_s']} s warm, +{r['local_fixed_s']} s in-process)"),
        ("pipeline loads by the worker over both builds", r["pipeline_loads"], "", "", "1"),
    ]
