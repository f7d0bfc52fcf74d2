"""Training the ScripterAgent as the paper does, as doit tasks (the root dodo.py; recipes under recipes/):

    data.py           the dataset formats: ScriptBench instances and rated scripts (JSONL)
    recipes.py        the schema of recipes/*.yaml
    conversations.py  instances as chat conversations, from the scripter's own prompt templates
    sft.py            stage 1: supervised fine-tuning (trl SFTTrainer)
    reward_model.py   R_human: a BERT-style regression model on rated scripts
    grpo.py           stage 2: GRPO with w * structure_reward + (1 - w) * reward model (trl GRPOTrainer)
    evaluate.py       scripters on the test split, scored by the critic's script metrics
    scriptbench.py    a dataset from raw transcripts: context, planning, correction, audit list
    tasks.py          the doit tasks

Only the trainers import torch, transformers and trl, inside their functions: creating the tasks stays light.
"""
