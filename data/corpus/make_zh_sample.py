"""Writes zh-sample.txt.gz: a small constructed Chinese corpus for the Chinese walk-through.

Sentences come from templates in which words of one kind (cities, foods, animals, relatives,
weekdays, colours, numbers) fill the same slots, so a model trained on it must put each kind
together — a check that Chinese text flows through preprocess, train, neighbors and plot, not a
substitute for a real corpus. Deterministic: run `python data/corpus/make_zh_sample.py`.
"""

import gzip
import random
from pathlib import Path

KINDS = {
    "city": "北京 上海 广州 深圳 杭州 南京 成都 武汉 西安 重庆 天津 苏州".split(),
    "food": "米饭 面条 饺子 包子 馒头 豆腐 鸡蛋 牛肉 蔬菜 水果".split(),
    "animal": "小猫 小狗 马 牛 羊 兔子 老虎 熊猫 狮子 猴子".split(),
    "relative": "爸爸 妈妈 哥哥 姐姐 弟弟 妹妹 爷爷 奶奶 叔叔 阿姨".split(),
    "weekday": "星期一 星期二 星期三 星期四 星期五 星期六 星期天".split(),
    "colour": "红色 蓝色 绿色 黄色 白色 黑色 紫色".split(),
    "number": "两 三 四 五 六 七 八 九 十".split(),
}
TEMPLATES = [
    "我的{relative}住在{city}",
    "{relative}{weekday}去{city}出差",
    "{city}是一个很大的城市，{city}的人很多",
    "我们{weekday}在{city}见面",
    "今天中午{relative}做了{food}",
    "我很喜欢吃{food}和{food}",
    "{relative}说{food}很好吃",
    "动物园里有{animal}和{animal}",
    "{animal}在草地上跑来跑去",
    "我家养了一只{animal}",
    "{relative}喜欢{colour}的衣服",
    "这辆车是{colour}的，那辆是{colour}的",
    "天空是{colour}的",
    "{weekday}和{weekday}我都要上班",
    "下个{weekday}我们去看电影",
    "桌子上有{number}个苹果",
    "他买了{number}本书和{number}支笔",
    "{relative}和{relative}一起去{city}旅游",
    "{city}的{food}非常有名",
    "{relative}{weekday}带{animal}去公园",
]


def sentences(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        template = rng.choice(TEMPLATES)
        while "{" in template:
            start = template.index("{")
            end = template.index("}", start)
            template = template[:start] + rng.choice(KINDS[template[start + 1:end]]) + template[end + 1:]
        out.append(template + "。")
    return out


if __name__ == "__main__":
    target = Path(__file__).with_name("zh-sample.txt.gz")
    with gzip.GzipFile(target, "wb", mtime=0) as handle:
        handle.write(("\n".join(sentences(40_000)) + "\n").encode("utf-8"))
    print(f"wrote {target}")
