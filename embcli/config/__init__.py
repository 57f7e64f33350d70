"""One source of truth for every stage's parameters.

Each stage has one frozen dataclass (one module per stage) whose defaults are
the documented defaults. `configs/*.toml` presets and command-line options only
override fields; unknown keys are an error, and the resolved dataclass is what
the manifest records. Precedence: dataclass defaults < config file < command line.
"""

from embcli.config.cooccurrence import CooccurConfig, GloVeConfig
from embcli.config.doc2vec import Doc2VecConfig
from embcli.config.embed import EmbedConfig
from embcli.config.evaluation import EvalConfig
from embcli.config.fields import COMMAND_LINE, PYTHON, FileSpelling, InvalidSetting, Spelling, default_workers
from embcli.config.loading import PRESETS_DIR_CANDIDATES, as_dict, build_config, build_configs, config_from_layers, file_layer, find_preset, read_toml
from embcli.config.phrases import PhrasesConfig
from embcli.config.plot import PlotConfig
from embcli.config.preprocess import PreprocessConfig
from embcli.config.quantize import QuantizeConfig
from embcli.config.spark import BackendConfig, PreprocessBackendConfig, SparkOptions, SparkSettings
from embcli.config.word2vec import FastTextConfig, Word2VecConfig, Word2VecFamilyConfig

__all__ = [
    "COMMAND_LINE", "PYTHON", "BackendConfig", "FileSpelling", "InvalidSetting", "PreprocessBackendConfig",
    "SparkOptions", "SparkSettings", "Spelling", "build_configs", "config_from_layers", "file_layer",
    "CooccurConfig", "Doc2VecConfig", "EmbedConfig", "PhrasesConfig", "EvalConfig", "FastTextConfig", "GloVeConfig", "PRESETS_DIR_CANDIDATES",
    "PlotConfig", "PreprocessConfig", "QuantizeConfig", "Word2VecConfig", "Word2VecFamilyConfig", "as_dict",
    "build_config", "default_workers", "find_preset", "read_toml",
]
