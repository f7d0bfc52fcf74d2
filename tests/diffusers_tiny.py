"""Tiny, randomly initialised diffusers pipelines built in code and saved with save_pretrained (no downloads).

Each has the architecture of the real checkpoint family (the same classes, and where it matters the same
compression factors, so the director's frame and size arithmetic is exercised as with real models), with a
handful of channels. The sizes follow diffusers' own tests under tests/pipelines/. Text encoders get a word-level
tokenizer trained here on a few strings.
"""

from __future__ import annotations

from pathlib import Path

WORDS = ["a woman in a red coat on a platform", "wide shot, close-up, medium shot, eye-level angle, static camera",
         "Ana Ben talks kitchen morning young man long brown hair yellow raincoat bald green sweater",
         "You are a helpful assistant. Describe the video calibration grey room"]


def word_tokenizer(chat: bool = False):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(WORDS, trainers.WordLevelTrainer(special_tokens=["<pad>", "</s>", "<unk>"]))
    template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}" if chat else None
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>", model_max_length=16, chat_template=template)


def _t5(vocab_size: int = 64, d_model: int = 32):
    from transformers import T5Config, T5EncoderModel

    return T5EncoderModel(T5Config(vocab_size=vocab_size, d_model=d_model, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
                                   relative_attention_num_buckets=8))


def wan_i2v(folder: Path, first_last: bool = False) -> Path:
    """Wan 2.1 I2V (VAE 8x spatial, 4x temporal; patch 2): a CLIP image encoder, a UMT5 text encoder.
    `first_last`: the FLF2V variant, whose transformer embeds two images (pos_embed_seq_len)."""
    import torch
    from diffusers import (AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline,
                           WanTransformer3DModel)
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel, UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
                                               relative_attention_num_buckets=8))
    # 32x32 pictures in 8x8 patches: 16 tokens + the class token
    image_encoder = CLIPVisionModel(CLIPVisionConfig(hidden_size=4, projection_dim=4, num_hidden_layers=2,
                                                     num_attention_heads=2, image_size=32, intermediate_size=16,
                                                     patch_size=8))
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=36, out_channels=16, text_dim=32, freq_dim=256, ffn_dim=32,
                                        num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                        rope_max_seq_len=32, image_dim=4,
                                        pos_embed_seq_len=2 * 17 if first_last else None)
    pipe = WanImageToVideoPipeline(tokenizer=word_tokenizer(), text_encoder=text_encoder, vae=vae,
                                   scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                                   image_processor=CLIPImageProcessor(crop_size=32, size=32),
                                   image_encoder=image_encoder, transformer=transformer)
    pipe.save_pretrained(folder)
    return folder


def wan_ti2v(folder: Path) -> Path:
    """Wan 2.2 TI2V-5B (VAE 16x spatial with 2x2 patches, 48 latent channels; patch 2 again in the transformer):
    no image encoder; the pipeline's `expand_timesteps` replaces the first latent frame by the picture's and takes
    no closing picture (it accepts `last_image` and ignores it)."""
    import torch
    from diffusers import (AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanImageToVideoPipeline,
                           WanTransformer3DModel)
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    vae = AutoencoderKLWan(base_dim=3, z_dim=48, in_channels=12, out_channels=12, is_residual=True, patch_size=2,
                           latents_mean=[0.0] * 48, latents_std=[1.0] * 48, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           scale_factor_spatial=16, scale_factor_temporal=4, temperal_downsample=[False, True, True])
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
                                               relative_attention_num_buckets=8))
    transformer = WanTransformer3DModel(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12,
                                        in_channels=48, out_channels=48, text_dim=32, freq_dim=256, ffn_dim=32,
                                        num_layers=2, cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                                        rope_max_seq_len=32)
    pipe = WanImageToVideoPipeline(tokenizer=word_tokenizer(), text_encoder=text_encoder, vae=vae,
                                   scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0), image_processor=None,
                                   image_encoder=None, transformer=transformer, expand_timesteps=True)
    pipe.save_pretrained(folder)
    return folder


def ltx(folder: Path) -> Path:
    """LTX-Video (VAE 32x spatial, 8x temporal like the real one) for LTXConditionPipeline."""
    import torch
    from diffusers import (AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXConditionPipeline,
                           LTXVideoTransformer3DModel)

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1,
                                             num_attention_heads=4, attention_head_dim=8, cross_attention_dim=32,
                                             num_layers=1, caption_channels=32)
    scaling = (True, True, True, False)
    vae = AutoencoderKLLTXVideo(in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
                                decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
                                decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=scaling,
                                decoder_spatio_temporal_scaling=scaling, decoder_inject_noise=(False,) * 5,
                                upsample_residual=(False,) * 4, upsample_factor=(1,) * 4, timestep_conditioning=False,
                                patch_size=4, patch_size_t=1, encoder_causal=True, decoder_causal=False)
    pipe = LTXConditionPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=_t5(),
                                tokenizer=word_tokenizer(), transformer=transformer)
    pipe.save_pretrained(folder)
    return folder


def cogvideox_i2v(folder: Path, width: int = 32, height: int = 32) -> Path:
    """CogVideoX 1.0 I2V: learned position embeddings, so the model renders width x height and 9 frames only."""
    import torch
    from diffusers import (AutoencoderKLCogVideoX, CogVideoXDDIMScheduler, CogVideoXImageToVideoPipeline,
                           CogVideoXTransformer3DModel)

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(num_attention_heads=2, attention_head_dim=16, in_channels=8,
                                              out_channels=4, time_embed_dim=2, text_embed_dim=32, num_layers=1,
                                              sample_width=width // 8, sample_height=height // 8, sample_frames=9,
                                              patch_size=2, temporal_compression_ratio=4, max_text_seq_length=16,
                                              use_rotary_positional_embeddings=True,
                                              use_learned_positional_embeddings=True)
    vae = AutoencoderKLCogVideoX(in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
                                 up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8),
                                 latent_channels=4, layers_per_block=1, norm_num_groups=2,
                                 temporal_compression_ratio=4)
    pipe = CogVideoXImageToVideoPipeline(tokenizer=word_tokenizer(), text_encoder=_t5(), vae=vae,
                                         transformer=transformer, scheduler=CogVideoXDDIMScheduler())
    pipe.save_pretrained(folder)
    return folder


def hunyuan_i2v(folder: Path) -> Path:
    """HunyuanVideo 1.5 I2V: a Qwen2.5-VL text model (chat template), ByT5 for glyphs, a SigLIP image encoder."""
    import torch
    from diffusers import (AutoencoderKLHunyuanVideo15, FlowMatchEulerDiscreteScheduler,
                           HunyuanVideo15ImageToVideoPipeline, HunyuanVideo15Transformer3DModel)
    from diffusers.guiders import ClassifierFreeGuidance
    from transformers import (ByT5Tokenizer, Qwen2_5_VLTextConfig, Qwen2_5_VLTextModel, SiglipImageProcessor,
                              SiglipVisionConfig, SiglipVisionModel)

    torch.manual_seed(0)
    transformer = HunyuanVideo15Transformer3DModel(in_channels=9, out_channels=4, num_attention_heads=2,
                                                   attention_head_dim=8, num_layers=1, num_refiner_layers=1,
                                                   mlp_ratio=2.0, patch_size=1, patch_size_t=1, text_embed_dim=16,
                                                   text_embed_2_dim=32, image_embed_dim=12, rope_axes_dim=(2, 2, 4),
                                                   target_size=32, task_type="i2v")
    vae = AutoencoderKLHunyuanVideo15(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(16, 16),
                                      layers_per_block=1, spatial_compression_ratio=4, temporal_compression_ratio=2,
                                      downsample_match_channel=False, upsample_match_channel=False)
    text_config = Qwen2_5_VLTextConfig(vocab_size=64, hidden_size=16, intermediate_size=16, num_hidden_layers=2,
                                       num_attention_heads=2, num_key_value_heads=2, bos_token_id=1, eos_token_id=1,
                                       rope_scaling={"mrope_section": [1, 1, 2], "rope_type": "default",
                                                     "type": "default"}, rope_theta=1e6)
    image_encoder = SiglipVisionModel(SiglipVisionConfig(hidden_size=12, intermediate_size=16, num_hidden_layers=1,
                                                         num_attention_heads=2, image_size=32, patch_size=8))
    pipe = HunyuanVideo15ImageToVideoPipeline(
        text_encoder=Qwen2_5_VLTextModel(text_config), tokenizer=word_tokenizer(chat=True), transformer=transformer,
        vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0), text_encoder_2=_t5(vocab_size=384),
        tokenizer_2=ByT5Tokenizer(), guider=ClassifierFreeGuidance(guidance_scale=1.0), image_encoder=image_encoder,
        feature_extractor=SiglipImageProcessor(size={"height": 32, "width": 32}))
    pipe.save_pretrained(folder)
    return folder


VIDEO_BUILDERS = {"wan-i2v": wan_i2v, "ltx": ltx, "cogvideox-i2v": cogvideox_i2v, "hunyuan-i2v": hunyuan_i2v}


def ltx2(folder: Path) -> Path:
    """LTX-2 for LTX2ConditionPipeline, with its sound: a Gemma 3 text encoder, a video VAE of 32x spatial and 8x
    temporal compression like the real one (its config names them, as the real one's does), an audio VAE at 16 kHz
    with 160-sample hops and 4x compression, and a stereo vocoder whose upsampling is one hop (160) as the real
    one's, so a clip's sound lasts as long as its picture. Sizes after diffusers' tests/pipelines/ltx2/."""
    import torch
    from diffusers import (AutoencoderKLLTX2Audio, AutoencoderKLLTX2Video, FlowMatchEulerDiscreteScheduler,
                           LTX2ConditionPipeline, LTX2VideoTransformer3DModel)
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, Gemma3TextConfig, SiglipVisionConfig

    torch.manual_seed(0)
    text = Gemma3TextConfig(vocab_size=64, hidden_size=16, intermediate_size=16, num_hidden_layers=1,
                            num_attention_heads=2, num_key_value_heads=1, head_dim=8, max_position_embeddings=64,
                            sliding_window=16, query_pre_attn_scalar=8)
    vision = SiglipVisionConfig(hidden_size=8, intermediate_size=8, num_hidden_layers=1, num_attention_heads=2,
                                image_size=8, patch_size=4)
    text_encoder = Gemma3ForConditionalGeneration(Gemma3Config(text_config=text, vision_config=vision,
                                                               mm_tokens_per_image=4))
    # the connectors read every hidden state of the text encoder (layers + 1) and give both streams 16 channels
    connectors = LTX2TextConnectors(caption_channels=16, text_proj_in_factor=2, video_connector_num_attention_heads=2,
                                    video_connector_attention_head_dim=8, video_connector_num_layers=1,
                                    video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=2,
                                    audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
                                    audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32,
                                    rope_double_precision=False, rope_type="split")
    transformer = LTX2VideoTransformer3DModel(in_channels=4, out_channels=4, patch_size=1, patch_size_t=1,
                                              num_attention_heads=2, attention_head_dim=8, cross_attention_dim=16,
                                              audio_in_channels=4, audio_out_channels=4, audio_num_attention_heads=2,
                                              audio_attention_head_dim=4, audio_cross_attention_dim=8, num_layers=1,
                                              caption_channels=16, rope_double_precision=False, rope_type="split")
    vae = AutoencoderKLLTX2Video(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 8, 8, 8),
                                 decoder_block_out_channels=(8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
                                 decoder_layers_per_block=(1, 1, 1, 1), spatio_temporal_scaling=(True,) * 4,
                                 decoder_spatio_temporal_scaling=(True,) * 3, decoder_inject_noise=(False,) * 4,
                                 downsample_type=("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
                                 upsample_residual=(False,) * 3, upsample_factor=(1,) * 3, timestep_conditioning=False,
                                 patch_size=4, patch_size_t=1, encoder_causal=True, decoder_causal=False,
                                 decoder_spatial_padding_mode="zeros", spatial_compression_ratio=32,
                                 temporal_compression_ratio=8)
    audio_vae = AutoencoderKLLTX2Audio(base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1,
                                       attn_resolutions=None, in_channels=2, resolution=32, latent_channels=2,
                                       norm_type="pixel", causality_axis="height", dropout=0.0,
                                       mid_block_add_attention=False, sample_rate=16000, mel_hop_length=160,
                                       is_causal=True, mel_bins=8)
    vocoder = LTX2Vocoder(in_channels=2 * 8, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[16, 15, 8],
                          upsample_factors=[8, 5, 4], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
                          output_sampling_rate=16000)
    pipe = LTX2ConditionPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, audio_vae=audio_vae,
                                 text_encoder=text_encoder, tokenizer=word_tokenizer(), connectors=connectors,
                                 transformer=transformer, vocoder=vocoder)
    pipe.save_pretrained(folder)
    return folder


def stable_diffusion(folder: Path) -> Path:
    """A text-to-image keyframe model (Stable Diffusion: UNet, VAE, CLIP text encoder)."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(block_out_channels=(4, 8), layers_per_block=1, sample_size=16, in_channels=4,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
                                norm_num_groups=2, attention_head_dim=2)
    vae = AutoencoderKL(block_out_channels=(4, 8), in_channels=3, out_channels=3,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2,
                        latent_channels=4, norm_num_groups=2)
    text_encoder = CLIPTextModel(CLIPTextConfig(vocab_size=64, hidden_size=32, intermediate_size=37,
                                                num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=16,
                                                bos_token_id=1, eos_token_id=1, pad_token_id=0))
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=word_tokenizer(), unet=unet,
                                   scheduler=EulerDiscreteScheduler(steps_offset=1), safety_checker=None,
                                   feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(folder)
    return folder


def ip_adapter(folder: Path, unet_folder: Path, tokens: int = 4) -> Path:
    """IP-Adapter weights for the tiny Stable Diffusion above, in the layout of h94/IP-Adapter: ip.safetensors
    (the image projection and a key/value projection per cross-attention layer) beside image_encoder/."""
    import torch
    from diffusers import UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(1)
    unet = UNet2DConditionModel.from_pretrained(unet_folder, subfolder="unet")
    cross = unet.config.cross_attention_dim
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(hidden_size=8, projection_dim=8, num_hidden_layers=1,
                                                             num_attention_heads=2, intermediate_size=16,
                                                             image_size=224, patch_size=32))
    encoder.save_pretrained(folder / "image_encoder")
    weights = {"image_proj.proj.weight": torch.randn(tokens * cross, 8),
               "image_proj.proj.bias": torch.zeros(tokens * cross),
               "image_proj.norm.weight": torch.ones(cross), "image_proj.norm.bias": torch.zeros(cross)}
    key = 1  # the layout numbers the attention layers, cross-attention ones odd
    for name, module in unet.named_modules():
        if name.endswith("attn2"):
            hidden = module.to_k.weight.shape[0]
            weights[f"ip_adapter.{key}.to_k_ip.weight"] = torch.randn(hidden, cross)
            weights[f"ip_adapter.{key}.to_v_ip.weight"] = torch.randn(hidden, cross)
            key += 2
    save_file(weights, str(folder / "ip.safetensors"))
    return folder
