"""Every backend by name, in one place: name -> "module:Class". A backend is one file plus one line here (and,
when it has settings, its config class in schema/configs.py). Modules are imported only when a backend is used,
so heavy libraries (torch, diffusers, ...) load only for the backends that need them; the schema reads the names
from here to check production.yaml without importing any backend."""

from __future__ import annotations

import importlib

from .errors import ScriptAgentError

SCRIPTERS = {
    "rule-based": "scriptagent.scripter.rule_based:RuleBasedScripter",
    "transformers": "scriptagent.scripter.transformers_backend:TransformersScripter",
    "openai": "scriptagent.scripter.openai_backend:OpenAIScripter",
}
RENDERERS = {  # the director's backends (director.Renderer)
    "animatic": "scriptagent.director.animatic:AnimaticRenderer",
    "diffusers": "scriptagent.director.diffusers_renderer:DiffusersRenderer",
    "veo": "scriptagent.director.veo:VeoRenderer",
}
VIDEO_PIPELINES = {  # the diffusers director's image-to-video models (director.pipelines.VideoPipeline)
    "wan-i2v": "scriptagent.director.pipelines.wan_i2v:WanImageToVideo",
    "ltx": "scriptagent.director.pipelines.ltx:LTXCondition",
    "ltx2": "scriptagent.director.pipelines.ltx2:LTX2Condition",
    "cogvideox-i2v": "scriptagent.director.pipelines.cogvideox_i2v:CogVideoXImageToVideo",
    "hunyuan-i2v": "scriptagent.director.pipelines.hunyuan_i2v:HunyuanVideo15ImageToVideo",
}
VOICES = {  # `none` is no backend: a silent film
    "espeak": "scriptagent.voice.espeak:EspeakVoice",
    "transformers": "scriptagent.voice.transformers_tts:TransformersVoice",
}


def backend_class(backends: dict[str, str], name: str, setting: str, also_known: tuple[str, ...] = ()):
    """The class registered as `name`; an unknown name is a one-line error listing the known ones."""
    if name not in backends:
        known = ", ".join((*also_known, *backends))
        raise ScriptAgentError(f"{setting}: unknown '{name}' (known: {known})")
    module_name, class_name = backends[name].split(":")
    return getattr(importlib.import_module(module_name), class_name)
