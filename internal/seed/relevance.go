package seed

// RelevanceCase is one judged search over the demo catalog: a shopper who
// types Query expects every SKU in Want among the first five results and
// none of Not. Want holds the answers a human judge would put first (at
// most five, all launched); where many SKUs match equally well, Want names
// the best sellers among them, the tie-break a shop uses. Not holds the
// tempting wrong answers: a word shared with another kind of product (苹果
// the fruit and the brand, 鸡 in 鸡蛋 and 鸡肉), a caption that mentions the
// query (a charger "适用苹果手机"), an unlaunched SKU.
type RelevanceCase struct {
	Query string
	Want  []string // SKU names that must be in the first 5
	Not   []string // SKU names that must not be in the first 5
}

// Relevance is the judged query set the search tests use. The seed tests
// check that every Want names a launched SKU of the catalog.
var Relevance = []RelevanceCase{
	// Phones: the kind, the brand, the model, the options.
	{Query: "手机",
		Want: []string{"Apple iPhone 15 手机 黑色 128GB", "小米 14 手机 黑色 12GB+256GB", "华为 Mate 60 Pro 手机 雅川青 12GB+256GB"},
		Not:  []string{"Apple 20W USB-C 电源适配器 白色", "倍思 65W 氮化镓充电器 黑色 单充电器"}},
	{Query: "华为手机",
		Want: []string{"华为 Mate 60 Pro 手机 雅川青 12GB+256GB", "华为 nova 12 手机 樱语白 256GB"},
		Not:  []string{"华为 Watch GT 4 智能手表 46mm 曜石黑", "华为 66W 超级快充充电器 充电头+6A数据线", "华为 Mate 70 Pro 手机 曜石黑 12GB+512GB"}},
	{Query: "Mate 60",
		Want: []string{"华为 Mate 60 Pro 手机 雅川青 12GB+256GB"},
		Not:  []string{"华为 Mate 70 Pro 手机 曜石黑 12GB+512GB", "华为 MateBook X Pro 笔记本电脑 墨蓝 16GB+1TB"}},
	{Query: "Mate 60 Pro 512GB",
		Want: []string{"华为 Mate 60 Pro 手机 雅川青 12GB+512GB", "华为 Mate 60 Pro 手机 雅丹黑 12GB+512GB", "华为 Mate 60 Pro 手机 白沙银 12GB+512GB", "华为 Mate 60 Pro 手机 南糯紫 12GB+512GB"},
		Not:  []string{"华为 Mate 60 Pro 手机 雅川青 12GB+1TB"}},
	{Query: "iPhone",
		Want: []string{"Apple iPhone 15 手机 黑色 128GB", "Apple iPhone 15 Pro Max 手机 原色钛金属 256GB"},
		Not:  []string{"安克 Nano 30W 氮化镓充电器 白色", "Apple 20W USB-C 电源适配器 白色", "Apple iPhone 16 Pro 手机 沙漠色钛金属 256GB"}},
	{Query: "iPhone 15 黑色",
		Want: []string{"Apple iPhone 15 手机 黑色 128GB", "Apple iPhone 15 手机 黑色 256GB", "Apple iPhone 15 手机 黑色 512GB"},
		Not:  []string{"Apple iPhone 15 手机 蓝色 128GB", "Apple iPhone 15 手机 粉色 128GB"}},
	{Query: "苹果手机",
		Want: []string{"Apple iPhone 15 手机 黑色 128GB", "Apple iPhone 15 Pro Max 手机 原色钛金属 256GB"},
		Not:  []string{"烟台红富士苹果 3斤装", "阿克苏冰糖心苹果 5斤装"}},
	{Query: "小米14",
		Want: []string{"小米 14 手机 黑色 12GB+256GB", "小米 14 手机 黑色 16GB+512GB"},
		Not:  []string{"小米 Redmi K70 手机 墨羽 12GB+256GB"}},
	{Query: "小米",
		Want: []string{"小米 14 手机 黑色 12GB+256GB", "小米 Redmi Buds 5 蓝牙耳机 静谧黑"}},

	// 苹果: the brand and the fruit.
	{Query: "苹果",
		Want: []string{"Apple iPhone 15 手机 黑色 128GB", "烟台红富士苹果 3斤装"}},
	{Query: "红富士苹果",
		Want: []string{"烟台红富士苹果 3斤装", "烟台红富士苹果 5斤装", "烟台红富士苹果 10斤装"},
		Not:  []string{"Apple iPhone 15 手机 黑色 128GB"}},
	{Query: "苹果笔记本",
		Want: []string{"Apple MacBook Air 13 笔记本电脑 午夜色 8GB+256GB", "Apple MacBook Pro 14 笔记本电脑 深空黑色 18GB+512GB"},
		Not:  []string{"烟台红富士苹果 3斤装", "倍思 65W 氮化镓充电器 黑色 单充电器"}},
	{Query: "苹果手表",
		Want: []string{"Apple Watch Series 9 智能手表 午夜色 41mm"},
		Not:  []string{"烟台红富士苹果 3斤装"}},
	{Query: "苹果充电器",
		Want: []string{"Apple 20W USB-C 电源适配器 白色"},
		Not:  []string{"烟台红富士苹果 3斤装"}},

	// Computers and tablets.
	{Query: "笔记本",
		Want: []string{"Apple MacBook Air 13 笔记本电脑 午夜色 8GB+256GB", "联想拯救者 Y9000P 游戏笔记本电脑 钛晶灰 16GB+1TB RTX4060"},
		Not:  []string{"倍思 65W 氮化镓充电器 黑色 单充电器"}},
	{Query: "MacBook Air 16GB",
		Want: []string{"Apple MacBook Air 13 笔记本电脑 午夜色 16GB+512GB", "Apple MacBook Air 13 笔记本电脑 星光色 16GB+512GB", "Apple MacBook Air 13 笔记本电脑 深空灰色 16GB+512GB", "Apple MacBook Air 13 笔记本电脑 银色 16GB+512GB"},
		// Only four SKUs have 16GB, so the fifth place goes to the closest
		// other match (an 8GB MacBook Air); the iPad Air only shares "Air".
		Not: []string{"Apple iPad Air 11 平板电脑 深空灰色 128GB"}},
	{Query: "ThinkPad",
		Want: []string{"联想 ThinkPad X1 Carbon 笔记本电脑 黑色 16GB+512GB", "联想 ThinkPad X1 Carbon 笔记本电脑 黑色 32GB+1TB"},
		Not:  []string{"联想 ThinkPad X1 Carbon 笔记本电脑 黑色 64GB+2TB"}},
	{Query: "平板电脑",
		Want: []string{"Apple iPad Air 11 平板电脑 深空灰色 128GB", "华为 MatePad 11.5 平板电脑 深空灰 8GB+128GB"},
		Not:  []string{"小米电视 S Pro 65英寸", "海信电视 E8K 65英寸"}},
	{Query: "华为平板",
		Want: []string{"华为 MatePad 11.5 平板电脑 深空灰 8GB+128GB", "华为 MatePad Pro 13.2 平板电脑 曜金黑 12GB+256GB"},
		Not:  []string{"Apple iPad Air 11 平板电脑 深空灰色 128GB"}},
	{Query: "iPad",
		Want: []string{"Apple iPad Air 11 平板电脑 深空灰色 128GB"}},

	// Audio, watches, TVs, chargers.
	{Query: "耳机",
		Want: []string{"小米 Redmi Buds 5 蓝牙耳机 静谧黑", "Apple AirPods Pro 2 无线降噪耳机 USB-C"}},
	{Query: "降噪耳机",
		Want: []string{"Apple AirPods Pro 2 无线降噪耳机 USB-C", "索尼 WH-1000XM5 头戴式降噪耳机 黑色"}},
	{Query: "头戴式耳机",
		Want: []string{"索尼 WH-1000XM5 头戴式降噪耳机 黑色", "Bose QuietComfort Ultra 头戴式降噪耳机 黑色"},
		Not:  []string{"Apple AirPods Pro 2 无线降噪耳机 USB-C", "小米 Redmi Buds 5 蓝牙耳机 静谧黑"}},
	{Query: "echo buds",
		Want: []string{"Echo Buds White", "Echo Buds Black", "Echo Buds Green"}},
	{Query: "华为手表",
		Want: []string{"华为 Watch GT 4 智能手表 46mm 曜石黑", "华为 Watch GT 4 智能手表 46mm 云杉绿"},
		Not:  []string{"华为 Mate 60 Pro 手机 雅川青 12GB+256GB"}},
	{Query: "智能手表",
		Want: []string{"小米 Redmi Watch 4 智能手表 典雅黑", "华为 Watch GT 4 智能手表 46mm 曜石黑", "Apple Watch Series 9 智能手表 午夜色 41mm"}},
	{Query: "电视",
		Want: []string{"小米电视 S Pro 65英寸", "海信电视 E8K 65英寸"}},
	{Query: "65英寸电视",
		Want: []string{"小米电视 S Pro 65英寸", "海信电视 E8K 65英寸", "TCL Q10K 电视 65英寸"},
		Not:  []string{"小米电视 S Pro 85英寸", "TCL Q10K 电视 98英寸"}},
	{Query: "氮化镓充电器",
		Want: []string{"倍思 65W 氮化镓充电器 黑色 单充电器", "安克 Nano 30W 氮化镓充电器 白色"},
		Not:  []string{"Apple 20W USB-C 电源适配器 白色", "华为 66W 超级快充充电器 充电头+6A数据线"}},
	{Query: "充电器",
		Want: []string{"倍思 65W 氮化镓充电器 黑色 单充电器", "安克 Nano 30W 氮化镓充电器 白色"}},

	// Fruit.
	{Query: "水果",
		Want: []string{"烟台红富士苹果 3斤装", "阿克苏冰糖心苹果 5斤装", "赣南脐橙 5斤装"},
		Not:  []string{"云南水果玉米 6根装"}},
	{Query: "芒果",
		Want: []string{"海南贵妃芒果 3斤装", "海南贵妃芒果 5斤装"}},
	{Query: "车厘子",
		Want: []string{"智利车厘子 JJ级 2斤装", "智利车厘子 JJ级 5斤装", "智利车厘子 JJJ级 2斤装"},
		Not:  []string{"智利车厘子 JJJ级 5斤装"}},
	{Query: "草莓",
		Want: []string{"丹东99草莓 1斤装"}},
	{Query: "猕猴桃",
		Want: []string{"佳沛新西兰阳光金果 奇异果 12个装", "佳沛新西兰阳光金果 奇异果 22个装"}},
	{Query: "榴莲",
		Want: []string{"泰国金枕榴莲 3-4斤", "泰国金枕榴莲 4-5斤"}},

	// Seafood.
	{Query: "三文鱼",
		Want: []string{"挪威三文鱼 冰鲜 200g", "挪威三文鱼 冰鲜 500g", "挪威三文鱼 冰鲜 1kg"}},
	{Query: "海鲜",
		Want: []string{"厄瓜多尔白虾 冷冻 1kg", "挪威三文鱼 冰鲜 200g"}},
	{Query: "大虾",
		Want: []string{"厄瓜多尔白虾 冷冻 1kg", "厄瓜多尔白虾 冷冻 2kg"}},
	{Query: "大闸蟹",
		Want: []string{"阳澄湖大闸蟹 鲜活 4对装"},
		Not:  []string{"阳澄湖大闸蟹 鲜活 6对装"}},

	// Meat and eggs.
	{Query: "牛排",
		Want: []string{"澳洲牛排 西冷 150g×5片", "澳洲牛排 眼肉 150g×5片"},
		Not:  []string{"新鲜牛腩块 500g"}},
	{Query: "雪花牛排",
		Want: []string{"澳洲和牛 M9 雪花牛排 200g"}},
	{Query: "羊肉",
		Want: []string{"内蒙古羔羊肉卷 500g", "内蒙古羔羊肉卷 1kg"}},
	{Query: "排骨",
		Want: []string{"精选猪肋排 500g"},
		Not:  []string{"澳洲牛排 西冷 150g×5片"}},
	{Query: "鸡蛋",
		Want: []string{"土鸡蛋 20枚", "土鸡蛋 30枚", "黄天鹅 可生食鸡蛋 20枚"},
		Not:  []string{"高邮咸鸭蛋 10枚", "新鲜鹌鹑蛋 60枚"}},
	{Query: "土鸡蛋 30枚",
		Want: []string{"土鸡蛋 30枚"}},
	{Query: "鸡肉",
		Want: []string{"圣农 鸡胸肉 1kg", "散养三黄鸡 整只约1kg"},
		Not:  []string{"土鸡蛋 20枚", "黄天鹅 可生食鸡蛋 20枚"}},

	// Vegetables.
	{Query: "西兰花",
		Want: []string{"有机西兰花 500g", "有机西兰花 1kg"}},
	{Query: "有机蔬菜",
		Want: []string{"有机西兰花 500g", "有机菠菜 300g"}},
	{Query: "番茄",
		Want: []string{"寿光西红柿 3斤装", "寿光西红柿 5斤装"}},
	{Query: "土豆",
		Want: []string{"云南小土豆 2.5kg", "云南小土豆 5kg"},
		Not:  []string{"土鸡蛋 20枚"}},

	// Frozen food.
	{Query: "速冻水饺",
		Want: []string{"思念 三鲜水饺 速冻 500g", "湾仔码头 玉米猪肉水饺 速冻 720g", "思念 猪肉大葱水饺 速冻 1kg"},
		Not:  []string{"三全 黑芝麻汤圆 速冻 500g", "安井 鱼丸 速冻火锅丸子 500g"}},
	{Query: "饺子",
		Want: []string{"思念 三鲜水饺 速冻 500g", "湾仔码头 玉米猪肉水饺 速冻 720g"},
		Not:  []string{"三全 黑芝麻汤圆 速冻 500g"}},
	{Query: "汤圆",
		Want: []string{"三全 黑芝麻汤圆 速冻 500g"}},
}
