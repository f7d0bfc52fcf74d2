"""The single source of truth: the schemas of production.yaml and script.yaml, and how they are loaded.

    base.py        strict models, identifiers, digests
    production.py  production.yaml: style, cast, scenes (lines, actions, transitions), the production
    series.py      series.yaml: what episodes share; an episode merged over it, problems located in either file
    loading.py     reading production.yaml (with its series and screenplay) and checking it
    configs.py     each backend's settings (scripter, director, critic, voice, executor)
    script.py      script.yaml: characters, scenes, shots; its loader
    export.py      both as JSON Schema for editors (`scriptagent schema`, a production's .scriptagent/)

The same models give the JSON Schema (`scriptagent schema`) that editors use for completion.
"""

from .base import ID_PATTERN, MAX_SHOT_SECONDS, Identifier, Strict, digest
from .configs import (KNOWN_METRICS, OFFLINE_METRICS, VIDEO_PIPELINES, AnimaticDirectorConfig, Anchoring,
                      CriticConfig, DiffusersDirectorConfig, DirectorConfig, EspeakVoiceConfig, ExecutorConfig,
                      IPAdapterConfig, JudgeConfig, JudgeSettings, LanguageModelScripterSettings, NoVoiceConfig,
                      OpenAIJudgeConfig, OpenAIScripterConfig, OpenAIServerSettings, RetakeConfig,
                      RuleBasedScripterConfig, ScripterConfig, TransformersJudgeConfig, TransformersScripterConfig,
                      TransformersVoiceConfig, VoiceConfig)
from .loading import load_production, production_data
from .production import (ActionBeat, CastMember, DialogueLine, Production, ProductionScene, SceneHeading, Style,
                         Transition, TransitionBeat, read_heading, scene_id)
from .script import (Angle, CameraMovement, Character, Scene, Script, ScriptLine, Shot, ShotCharacter, ShotSize,
                     load_script)


def json_schemas() -> dict:
    """Each file's JSON Schema as editors get it (export.py: the models' schema and what their validators add)."""
    from .export import production_schema, script_schema

    return {"production.yaml": production_schema(), "script.yaml": script_schema()}


__all__ = ["ActionBeat", "Anchoring", "Angle", "AnimaticDirectorConfig", "CameraMovement", "CastMember", "Character",
           "CriticConfig", "DialogueLine", "DiffusersDirectorConfig", "DirectorConfig", "EspeakVoiceConfig",
           "ExecutorConfig", "ID_PATTERN", "IPAdapterConfig", "Identifier", "JudgeConfig", "JudgeSettings",
           "KNOWN_METRICS", "LanguageModelScripterSettings", "MAX_SHOT_SECONDS", "NoVoiceConfig", "OFFLINE_METRICS",
           "OpenAIJudgeConfig", "OpenAIScripterConfig", "OpenAIServerSettings", "Production", "ProductionScene",
           "RetakeConfig", "RuleBasedScripterConfig", "Scene", "SceneHeading", "Script", "ScriptLine",
           "ScripterConfig", "Shot", "ShotCharacter", "ShotSize", "Strict", "Style", "TransformersJudgeConfig",
           "TransformersScripterConfig", "TransformersVoiceConfig", "Transition", "TransitionBeat",
           "VIDEO_PIPELINES", "VoiceConfig", "digest", "load_production", "load_script", "production_data",
           "read_heading", "scene_id", "json_schemas"]
