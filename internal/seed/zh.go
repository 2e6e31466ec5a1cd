package seed

import "github.com/storefront/storefront/internal/money"

// The Chinese catalog: the electronics of the meiduo shop and the fresh food
// of the dailyfresh shop the product grew from. Names follow the way Chinese
// listings write them (brand, model, kind of product; the options follow in
// the SKU name), and captions carry the words shoppers also search by, such
// as 苹果 for Apple devices, so that search has real ambiguity to resolve.

// zhTree is shown after the English trees.
var zhTree = []category{
	{"手机数码", []string{"手机", "平板电脑", "智能手表", "耳机", "充电器"}},
	{"电脑办公", []string{"笔记本电脑"}},
	{"家用电器", []string{"电视"}},
	{"生鲜食品", []string{"水果", "海鲜水产", "肉类", "禽蛋", "蔬菜", "速冻食品"}},
}

// colours is the colour axis; colour never changes the price.
func colours(values ...string) spec { return spec{name: "颜色", values: values} }

var zhProducts = []product{
	// 手机
	{
		category: "手机", name: "华为 Mate 60 Pro 手机", sep: " ",
		desc:  "HUAWEI Mate 60 Pro 华为手机 卫星通话 超可靠玄武架构 昆仑玻璃 鸿蒙智能手机",
		specs: []spec{colours("雅川青", "雅丹黑", "白沙银", "南糯紫"), {name: "存储容量", values: []string{"12GB+256GB", "12GB+512GB", "12GB+1TB"}, add: []money.Fen{0, 1000_00, 2000_00}}},
		base:  6999_00, sales: 5200, stock: 120,
		soldOut: []string{"南糯紫 12GB+1TB"},
	},
	{
		category: "手机", name: "华为 Mate 70 Pro 手机", sep: " ",
		desc:  "HUAWEI Mate 70 Pro 华为手机 新品预约 即将上市",
		specs: []spec{colours("曜石黑", "云杉绿"), {name: "存储容量", values: []string{"12GB+512GB"}}},
		base:  6499_00, sales: 1, stock: 300, hidden: true,
	},
	{
		category: "手机", name: "华为 nova 12 手机", sep: " ",
		desc:  "HUAWEI nova 12 华为手机 前置6000万人像追焦 轻薄机身 66W快充",
		specs: []spec{colours("樱语白", "12号色", "曜金黑"), {name: "存储容量", values: []string{"256GB", "512GB"}, add: []money.Fen{0, 300_00}}},
		base:  2999_00, sales: 2100, stock: 200,
	},
	{
		category: "手机", name: "Apple iPhone 15 手机", sep: " ",
		desc:  "Apple/苹果 iPhone 15 苹果手机 灵动岛 4800万像素主摄 USB-C 支持移动联通电信5G 双卡双待",
		specs: []spec{colours("黑色", "蓝色", "粉色", "黄色", "绿色"), {name: "存储容量", values: []string{"128GB", "256GB", "512GB"}, add: []money.Fen{0, 1000_00, 3000_00}}},
		base:  5999_00, sales: 8800, stock: 150,
		soldOut: []string{"黄色 512GB"},
	},
	{
		category: "手机", name: "Apple iPhone 15 Pro Max 手机", sep: " ",
		desc:  "Apple/苹果 iPhone 15 Pro Max 苹果手机 钛金属设计 A17 Pro芯片 5倍光学变焦",
		specs: []spec{colours("原色钛金属", "黑色钛金属", "白色钛金属", "蓝色钛金属"), {name: "存储容量", values: []string{"256GB", "512GB", "1TB"}, add: []money.Fen{0, 2000_00, 4000_00}}},
		base:  9999_00, sales: 4300, stock: 90,
	},
	{
		category: "手机", name: "Apple iPhone 16 Pro 手机", sep: " ",
		desc:  "Apple/苹果 iPhone 16 Pro 苹果手机 新品预售 即将发布",
		specs: []spec{colours("沙漠色钛金属", "黑色钛金属"), {name: "存储容量", values: []string{"256GB"}}},
		base:  8999_00, sales: 1, stock: 300, hidden: true,
	},
	{
		category: "手机", name: "小米 14 手机", sep: " ",
		desc:  "Xiaomi 小米14 小米手机 徕卡光学镜头 骁龙8Gen3 澎湃OS 5G智能手机",
		specs: []spec{colours("黑色", "白色", "岩石青", "雪山粉"), {name: "内存", values: []string{"12GB+256GB", "16GB+512GB", "16GB+1TB"}, add: []money.Fen{0, 500_00, 1000_00}}},
		base:  3999_00, sales: 6100, stock: 180,
	},
	{
		category: "手机", name: "小米 Redmi K70 手机", sep: " ",
		desc:  "Redmi K70 红米手机 第二代骁龙8 2K中国屏 120W快充 小米出品",
		specs: []spec{colours("墨羽", "晴雪", "竹月蓝"), {name: "内存", values: []string{"12GB+256GB", "16GB+512GB"}, add: []money.Fen{0, 400_00}}},
		base:  2499_00, sales: 3900, stock: 220,
	},
	{
		category: "手机", name: "OPPO Find X7 手机", sep: " ",
		desc:  "OPPO Find X7 5G手机 哈苏影像 天玑9300 超光影三主摄",
		specs: []spec{colours("星空黑", "海阔天空", "大漠银月"), {name: "内存", values: []string{"12GB+256GB", "16GB+512GB"}, add: []money.Fen{0, 500_00}}},
		base:  3999_00, sales: 1400, stock: 110,
	},
	{
		category: "手机", name: "vivo X100 Pro 手机", sep: " ",
		desc:  "vivo X100 Pro 5G手机 蔡司APO超级长焦 蓝晶×天玑9300 影像旗舰",
		specs: []spec{colours("辰夜黑", "星迹蓝", "落日橙"), {name: "内存", values: []string{"12GB+256GB", "16GB+512GB"}, add: []money.Fen{0, 500_00}}},
		base:  4999_00, sales: 1700, stock: 100,
	},
	{
		category: "手机", name: "荣耀 Magic6 Pro 手机", sep: " ",
		desc:  "HONOR 荣耀Magic6 Pro 5G手机 鹰眼相机 青海湖电池",
		specs: []spec{colours("绒黑色", "麦浪绿"), {name: "内存", values: []string{"12GB+256GB", "16GB+512GB"}, add: []money.Fen{0, 500_00}}},
		base:  5699_00, sales: 900, stock: 80,
	},

	// 平板电脑
	{
		category: "平板电脑", name: "华为 MatePad 11.5 平板电脑", sep: " ",
		desc:  "HUAWEI MatePad 11.5英寸 华为平板 护眼全面屏 学习办公 鸿蒙",
		specs: []spec{colours("深空灰", "冰霜银"), {name: "存储容量", values: []string{"8GB+128GB", "8GB+256GB"}, add: []money.Fen{0, 300_00}}},
		base:  1799_00, sales: 2600, stock: 160,
	},
	{
		category: "平板电脑", name: "华为 MatePad Pro 13.2 平板电脑", sep: " ",
		desc:  "HUAWEI MatePad Pro 13.2英寸 华为平板 柔性OLED 星闪连接 办公创作",
		specs: []spec{colours("曜金黑", "晶钻白"), {name: "存储容量", values: []string{"12GB+256GB", "16GB+512GB"}, add: []money.Fen{0, 1000_00}}},
		base:  5199_00, sales: 700, stock: 60,
	},
	{
		category: "平板电脑", name: "Apple iPad Air 11 平板电脑", sep: " ",
		desc:  "Apple/苹果 iPad Air 11英寸 苹果平板 M2芯片 WLAN版",
		specs: []spec{colours("深空灰色", "星光色", "紫色", "蓝色"), {name: "存储容量", values: []string{"128GB", "256GB"}, add: []money.Fen{0, 900_00}}},
		base:  4799_00, sales: 3100, stock: 140,
	},
	{
		category: "平板电脑", name: "小米平板 6 Pro 平板电脑", sep: " ",
		desc:  "Xiaomi Pad 6 Pro 小米平板 11英寸 2.8K超清屏 骁龙8+ 67W快充",
		specs: []spec{colours("黑色", "远山蓝"), {name: "内存", values: []string{"8GB+256GB", "12GB+512GB"}, add: []money.Fen{0, 500_00}}},
		base:  2399_00, sales: 1900, stock: 130,
	},

	// 智能手表
	{
		category: "智能手表", name: "华为 Watch GT 4 智能手表", sep: " ",
		desc:  "HUAWEI WATCH GT 4 华为手表 两周长续航 心率血氧监测 运动手表",
		specs: []spec{{name: "款式", values: []string{"46mm 曜石黑", "46mm 云杉绿", "41mm 凝霜白", "41mm 幻夜黑"}}},
		base:  1488_00, sales: 3300, stock: 150,
	},
	{
		category: "智能手表", name: "Apple Watch Series 9 智能手表", sep: " ",
		desc:  "Apple/苹果 Watch Series 9 苹果手表 GPS款 铝金属表壳 运动型表带",
		specs: []spec{colours("午夜色", "星光色", "粉色"), {name: "尺寸", values: []string{"41mm", "45mm"}, add: []money.Fen{0, 300_00}}},
		base:  2999_00, sales: 2500, stock: 100,
	},
	{
		category: "智能手表", name: "小米 Redmi Watch 4 智能手表", sep: " ",
		desc:  "Redmi Watch 4 红米手表 小米出品 1.97英寸AMOLED大屏 20天续航",
		specs: []spec{colours("典雅黑", "银雪白")},
		base:  499_00, sales: 4100, stock: 300,
	},

	// 耳机
	{
		category: "耳机", name: "索尼 WH-1000XM5 头戴式降噪耳机", sep: " ",
		desc:  "SONY 索尼 WH-1000XM5 无线蓝牙降噪耳机 头戴式 智能降噪 30小时续航",
		specs: []spec{colours("黑色", "铂金银", "午夜蓝")},
		base:  2499_00, sales: 2800, stock: 90,
	},
	{
		category: "耳机", name: "Apple AirPods Pro 2 无线降噪耳机", sep: " ",
		desc:  "Apple/苹果 AirPods Pro 第二代 苹果耳机 主动降噪 蓝牙耳机 MagSafe充电盒",
		specs: []spec{{name: "版本", values: []string{"USB-C", "Lightning"}, add: []money.Fen{0, -100_00}}},
		base:  1899_00, sales: 7200, stock: 200,
		soldOut: []string{"Lightning"},
	},
	{
		category: "耳机", name: "华为 FreeBuds Pro 3 无线耳机", sep: " ",
		desc:  "HUAWEI FreeBuds Pro 3 华为耳机 真无线蓝牙降噪耳机 入耳式 星闪连接",
		specs: []spec{colours("冰霜银", "陶瓷白", "雅川青")},
		base:  1499_00, sales: 2200, stock: 120,
	},
	{
		category: "耳机", name: "Bose QuietComfort Ultra 头戴式降噪耳机", sep: " ",
		desc:  "Bose QC Ultra 消噪耳机 头戴式 无线蓝牙降噪耳机 空间音频",
		specs: []spec{colours("黑色", "月石灰")},
		base:  2999_00, sales: 600, stock: 50,
	},
	{
		category: "耳机", name: "小米 Redmi Buds 5 蓝牙耳机", sep: " ",
		desc:  "Redmi Buds 5 红米耳机 真无线蓝牙耳机 入耳式 46dB主动降噪 小米出品",
		specs: []spec{colours("静谧黑", "云羽白", "冰川蓝")},
		base:  199_00, sales: 9100, stock: 400,
	},

	// 充电器
	{
		category: "充电器", name: "倍思 65W 氮化镓充电器", sep: " ",
		desc:  "Baseus 倍思 65W GaN氮化镓充电器 多口快充头 适用苹果华为小米笔记本手机",
		specs: []spec{colours("黑色", "白色"), {name: "规格", values: []string{"单充电器", "充电器+1米线"}, add: []money.Fen{0, 20_00}}},
		base:  129_00, sales: 5600, stock: 500,
	},
	{
		category: "充电器", name: "安克 Nano 30W 氮化镓充电器", sep: " ",
		desc:  "Anker 安克 30W 氮化镓充电器 PD快充头 适用iPhone15苹果手机",
		specs: []spec{colours("白色", "黑色")},
		base:  99_00, sales: 4700, stock: 450,
	},
	{
		category: "充电器", name: "小米 67W 氮化镓充电器套装", sep: " ",
		desc:  "Xiaomi 小米67W 氮化镓GaN充电器 快充套装 含6A数据线",
		specs: []spec{{name: "规格", values: []string{"充电器+6A数据线"}}},
		base:  149_00, sales: 2300, stock: 300,
	},
	{
		category: "充电器", name: "Apple 20W USB-C 电源适配器", sep: " ",
		desc:  "Apple/苹果 原装20W USB-C 手机充电器 充电头 iPhone快充",
		specs: []spec{colours("白色")},
		base:  149_00, sales: 6300, stock: 600,
	},
	{
		category: "充电器", name: "华为 66W 超级快充充电器", sep: " ",
		desc:  "HUAWEI 华为原装 66W 超级快充 手机充电器 充电头",
		specs: []spec{{name: "规格", values: []string{"充电头+6A数据线"}}},
		base:  169_00, sales: 1800, stock: 250,
	},

	// 笔记本电脑
	{
		category: "笔记本电脑", name: "联想 ThinkPad X1 Carbon 笔记本电脑", sep: " ",
		desc:  "Lenovo 联想 ThinkPad X1 Carbon 14英寸 轻薄商务笔记本 酷睿Ultra 2.8K OLED",
		specs: []spec{colours("黑色"), {name: "内存", values: []string{"16GB+512GB", "32GB+1TB", "64GB+2TB"}, add: []money.Fen{0, 2000_00, 5000_00}}},
		base:  9999_00, sales: 800, stock: 40,
		unlaunched: []string{"黑色 64GB+2TB"},
	},
	{
		category: "笔记本电脑", name: "Apple MacBook Air 13 笔记本电脑", sep: " ",
		desc:  "Apple/苹果 MacBook Air 13.6英寸 苹果笔记本电脑 M3芯片 轻薄本",
		specs: []spec{colours("午夜色", "星光色", "深空灰色", "银色"), {name: "内存", values: []string{"8GB+256GB", "16GB+512GB"}, add: []money.Fen{0, 3000_00}}},
		base:  8999_00, sales: 3600, stock: 90,
	},
	{
		category: "笔记本电脑", name: "Apple MacBook Pro 14 笔记本电脑", sep: " ",
		desc:  "Apple/苹果 MacBook Pro 14.2英寸 苹果笔记本电脑 M3 Pro芯片 专业创作",
		specs: []spec{colours("深空黑色", "银色"), {name: "内存", values: []string{"18GB+512GB", "36GB+1TB"}, add: []money.Fen{0, 6000_00}}},
		base:  14999_00, sales: 1100, stock: 45,
	},
	{
		category: "笔记本电脑", name: "华为 MateBook X Pro 笔记本电脑", sep: " ",
		desc:  "HUAWEI MateBook X Pro 14.2英寸 华为笔记本电脑 980克轻薄 酷睿Ultra 3.1K原色屏",
		specs: []spec{colours("墨蓝", "宝石蓝", "皓月白"), {name: "内存", values: []string{"16GB+1TB", "32GB+2TB"}, add: []money.Fen{0, 2000_00}}},
		base:  11999_00, sales: 950, stock: 55,
	},
	{
		category: "笔记本电脑", name: "联想拯救者 Y9000P 游戏笔记本电脑", sep: " ",
		desc:  "Lenovo 联想拯救者Y9000P 16英寸 电竞游戏本 酷睿i9 2.5K 240Hz",
		specs: []spec{colours("钛晶灰"), {name: "配置", values: []string{"16GB+1TB RTX4060", "32GB+1TB RTX4070"}, add: []money.Fen{0, 2000_00}}},
		base:  9499_00, sales: 2000, stock: 70,
	},
	{
		category: "笔记本电脑", name: "小米 Redmi Book 16 笔记本电脑", sep: " ",
		desc:  "Redmi Book 16 红米笔记本电脑 小米出品 16英寸 轻薄办公本 酷睿i5",
		specs: []spec{colours("星光灰"), {name: "内存", values: []string{"16GB+512GB", "16GB+1TB"}, add: []money.Fen{0, 300_00}}},
		base:  3999_00, sales: 1600, stock: 120,
	},

	// 电视
	{
		category: "电视", name: "小米电视 S Pro", sep: " ",
		desc:  "Xiaomi 小米电视 S Pro Mini LED 4K超高清 144Hz 智能平板电视机",
		specs: []spec{{name: "尺寸", values: []string{"65英寸", "75英寸", "85英寸"}, add: []money.Fen{0, 1500_00, 4000_00}}},
		base:  4999_00, sales: 2400, stock: 60,
	},
	{
		category: "电视", name: "海信电视 E8K", sep: " ",
		desc:  "Hisense 海信电视 E8K ULED X Mini LED 4K 144Hz 液晶平板电视机",
		specs: []spec{{name: "尺寸", values: []string{"65英寸", "75英寸", "85英寸"}, add: []money.Fen{0, 1200_00, 3500_00}}},
		base:  5499_00, sales: 1300, stock: 50,
	},
	{
		category: "电视", name: "索尼 BRAVIA XR X90L 电视", sep: " ",
		desc:  "SONY 索尼电视 XR-X90L 4K HDR 全阵列背光 游戏电视 液晶电视机",
		specs: []spec{{name: "尺寸", values: []string{"65英寸", "75英寸"}, add: []money.Fen{0, 2000_00}}},
		base:  6999_00, sales: 500, stock: 30,
	},
	{
		category: "电视", name: "TCL Q10K 电视", sep: " ",
		desc:  "TCL电视 Q10K Mini LED 4K 144Hz 量子点 智能液晶平板电视机",
		specs: []spec{{name: "尺寸", values: []string{"55英寸", "65英寸", "75英寸", "98英寸"}, add: []money.Fen{0, 1000_00, 2500_00, 9000_00}}},
		base:  3999_00, sales: 1500, stock: 40,
		soldOut: []string{"98英寸"},
	},
	{
		category: "电视", name: "华为智慧屏 S5 Pro 电视", sep: " ",
		desc:  "HUAWEI 华为智慧屏 S5 Pro 4K超高清 鸿蒙 智能液晶电视机",
		specs: []spec{{name: "尺寸", values: []string{"65英寸", "75英寸"}, add: []money.Fen{0, 1500_00}}},
		base:  5999_00, sales: 700, stock: 35,
	},

	// 水果
	{
		category: "水果", name: "烟台红富士苹果", sep: " ",
		desc:  "山东烟台栖霞红富士苹果 新鲜水果 脆甜多汁 产地直发",
		specs: []spec{{name: "规格", values: []string{"3斤装", "5斤装", "10斤装"}, add: []money.Fen{0, 15_00, 40_00}}},
		base:  29_90, sales: 12800, stock: 800,
	},
	{
		category: "水果", name: "阿克苏冰糖心苹果", sep: " ",
		desc:  "新疆阿克苏冰糖心苹果 新鲜水果 当季丑苹果 皮薄多汁",
		specs: []spec{{name: "规格", values: []string{"5斤装", "10斤装"}, add: []money.Fen{0, 35_00}}},
		base:  39_90, sales: 9600, stock: 700,
	},
	{
		category: "水果", name: "海南贵妃芒果", sep: " ",
		desc:  "海南三亚贵妃芒果 新鲜水果 红金龙 香甜软糯",
		specs: []spec{{name: "规格", values: []string{"3斤装", "5斤装"}, add: []money.Fen{0, 16_00}}},
		base:  26_90, sales: 7100, stock: 500,
	},
	{
		category: "水果", name: "智利车厘子", sep: " ",
		desc:  "智利进口车厘子 大樱桃 新鲜水果 空运直达 礼盒装",
		specs: []spec{{name: "等级", values: []string{"JJ级", "JJJ级"}, add: []money.Fen{0, 60_00}}, {name: "重量", values: []string{"2斤装", "5斤装"}, add: []money.Fen{0, 200_00}}},
		base:  139_00, sales: 5400, stock: 200,
		unlaunched: []string{"JJJ级 5斤装"},
	},
	{
		category: "水果", name: "赣南脐橙", sep: " ",
		desc:  "江西赣南脐橙 新鲜橙子 当季水果 现摘现发",
		specs: []spec{{name: "规格", values: []string{"5斤装", "10斤装"}, add: []money.Fen{0, 25_00}}},
		base:  32_80, sales: 8300, stock: 600,
	},
	{
		category: "水果", name: "新疆哈密瓜", sep: " ",
		desc:  "新疆哈密瓜 西州蜜 新鲜水果 香甜脆爽",
		specs: []spec{{name: "规格", values: []string{"2个装 约6斤"}}},
		base:  45_90, sales: 3100, stock: 150,
	},
	{
		category: "水果", name: "佳沛新西兰阳光金果 奇异果", sep: " ",
		desc:  "Zespri 佳沛 新西兰进口金奇异果 猕猴桃 新鲜水果",
		specs: []spec{{name: "规格", values: []string{"12个装", "22个装"}, add: []money.Fen{0, 60_00}}},
		base:  89_00, sales: 4500, stock: 260,
	},
	{
		category: "水果", name: "丹东99草莓", sep: " ",
		desc:  "辽宁丹东99红颜草莓 新鲜水果 奶油草莓 顺丰冷链",
		specs: []spec{{name: "规格", values: []string{"1斤装", "3斤装"}, add: []money.Fen{0, 90_00}}},
		base:  59_90, sales: 6200, stock: 180,
		soldOut: []string{"3斤装"},
	},
	{
		category: "水果", name: "泰国金枕榴莲", sep: " ",
		desc:  "泰国进口金枕头榴莲 新鲜水果 带壳整颗",
		specs: []spec{{name: "规格", values: []string{"3-4斤", "4-5斤"}, add: []money.Fen{0, 50_00}}},
		base:  149_00, sales: 2900, stock: 90,
	},

	// 海鲜水产
	{
		category: "海鲜水产", name: "挪威三文鱼 冰鲜", sep: " ",
		desc:  "挪威进口冰鲜三文鱼 刺身级 中段 新鲜海鲜 空运冷链",
		specs: []spec{{name: "重量", values: []string{"200g", "500g", "1kg"}, add: []money.Fen{0, 70_00, 170_00}}},
		base:  59_00, sales: 4800, stock: 150,
	},
	{
		category: "海鲜水产", name: "厄瓜多尔白虾 冷冻", sep: " ",
		desc:  "厄瓜多尔进口白虾 大虾 冷冻海鲜 盐冻 30-40只/kg",
		specs: []spec{{name: "重量", values: []string{"1kg", "2kg"}, add: []money.Fen{0, 75_00}}},
		base:  79_00, sales: 5900, stock: 300,
	},
	{
		category: "海鲜水产", name: "阳澄湖大闸蟹 鲜活", sep: " ",
		desc:  "阳澄湖大闸蟹 鲜活螃蟹 公蟹4两 母蟹3两 礼盒装",
		specs: []spec{{name: "规格", values: []string{"4对装", "6对装"}, add: []money.Fen{0, 180_00}}},
		base:  398_00, sales: 1900, stock: 80,
		unlaunched: []string{"6对装"},
	},
	{
		category: "海鲜水产", name: "舟山带鱼 冷冻", sep: " ",
		desc:  "浙江舟山东海带鱼 冷冻海鲜 精选中段 肉厚刺少",
		specs: []spec{{name: "重量", values: []string{"500g×2", "1kg×2"}, add: []money.Fen{0, 50_00}}},
		base:  49_90, sales: 3400, stock: 240,
	},
	{
		category: "海鲜水产", name: "波士顿龙虾 鲜活", sep: " ",
		desc:  "加拿大进口波士顿龙虾 鲜活海鲜 大龙虾",
		specs: []spec{{name: "规格", values: []string{"1只 约500g", "2只 约1kg"}, add: []money.Fen{0, 130_00}}},
		base:  138_00, sales: 1200, stock: 60,
	},
	{
		category: "海鲜水产", name: "鲜活鲈鱼", sep: " ",
		desc:  "鲜活海鲈鱼 现杀 淡水鱼 清蒸鲈鱼",
		specs: []spec{{name: "规格", values: []string{"约1斤/条", "约1.5斤/条"}, add: []money.Fen{0, 12_00}}},
		base:  29_90, sales: 2700, stock: 120,
	},

	// 肉类
	{
		category: "肉类", name: "澳洲牛排", sep: " ",
		desc:  "澳洲进口原切牛排 谷饲 牛肉 新鲜冷冻 家庭牛排套餐",
		specs: []spec{{name: "部位", values: []string{"西冷", "眼肉", "菲力"}, add: []money.Fen{0, 20_00, 50_00}}, {name: "规格", values: []string{"150g×5片", "150g×10片"}, add: []money.Fen{0, 110_00}}},
		base:  129_00, sales: 6900, stock: 260,
	},
	{
		category: "肉类", name: "澳洲和牛 M9 雪花牛排", sep: " ",
		desc:  "澳洲进口和牛 M9+ 雪花牛排 原切 牛肉 顶级",
		specs: []spec{{name: "规格", values: []string{"200g"}}},
		base:  268_00, sales: 800, stock: 20,
		soldOut: []string{"200g"},
	},
	{
		category: "肉类", name: "内蒙古羔羊肉卷", sep: " ",
		desc:  "内蒙古锡林郭勒羔羊肉卷 羊肉片 火锅食材 冷冻",
		specs: []spec{{name: "重量", values: []string{"500g", "1kg"}, add: []money.Fen{0, 40_00}}},
		base:  45_90, sales: 7400, stock: 400,
	},
	{
		category: "肉类", name: "黑猪五花肉", sep: " ",
		desc:  "散养黑猪五花肉 新鲜猪肉 红烧肉 冷鲜肉",
		specs: []spec{{name: "重量", values: []string{"500g", "1kg"}, add: []money.Fen{0, 30_00}}},
		base:  36_90, sales: 5100, stock: 350,
	},
	{
		category: "肉类", name: "精选猪肋排", sep: " ",
		desc:  "新鲜猪肋排 猪排骨 冷鲜肉 炖汤红烧",
		specs: []spec{{name: "重量", values: []string{"500g", "1kg"}, add: []money.Fen{0, 38_00}}},
		base:  42_90, sales: 3800, stock: 280,
	},
	{
		category: "肉类", name: "新鲜牛腩块", sep: " ",
		desc:  "国产黄牛牛腩块 新鲜牛肉 炖煮红烧 冷鲜",
		specs: []spec{{name: "重量", values: []string{"500g", "1kg"}, add: []money.Fen{0, 55_00}}},
		base:  59_90, sales: 3200, stock: 200,
	},

	// 禽蛋
	{
		category: "禽蛋", name: "土鸡蛋", sep: " ",
		desc:  "农家散养土鸡蛋 新鲜鸡蛋 柴鸡蛋 草鸡蛋",
		specs: []spec{{name: "规格", values: []string{"20枚", "30枚", "60枚"}, add: []money.Fen{0, 12_00, 40_00}}},
		base:  29_90, sales: 15200, stock: 900,
	},
	{
		category: "禽蛋", name: "黄天鹅 可生食鸡蛋", sep: " ",
		desc:  "黄天鹅 可生食标准鲜鸡蛋 无菌蛋 溏心蛋",
		specs: []spec{{name: "规格", values: []string{"20枚", "30枚"}, add: []money.Fen{0, 20_00}}},
		base:  49_90, sales: 8700, stock: 500,
	},
	{
		category: "禽蛋", name: "高邮咸鸭蛋", sep: " ",
		desc:  "江苏高邮咸鸭蛋 红心流油 熟咸蛋",
		specs: []spec{{name: "规格", values: []string{"10枚", "20枚"}, add: []money.Fen{0, 18_00}}},
		base:  25_90, sales: 4200, stock: 300,
	},
	{
		category: "禽蛋", name: "新鲜鹌鹑蛋", sep: " ",
		desc:  "新鲜鹌鹑蛋 生鲜禽蛋 营养小鸟蛋",
		specs: []spec{{name: "规格", values: []string{"60枚"}}},
		base:  19_90, sales: 2600, stock: 200,
	},
	{
		category: "禽蛋", name: "散养三黄鸡", sep: " ",
		desc:  "农家散养三黄鸡 整只 土鸡 新鲜冷鲜鸡肉 炖汤",
		specs: []spec{{name: "规格", values: []string{"整只约1kg", "整只约1.5kg"}, add: []money.Fen{0, 25_00}}},
		base:  59_90, sales: 2300, stock: 150,
	},
	{
		category: "禽蛋", name: "圣农 鸡胸肉", sep: " ",
		desc:  "圣农 冷冻鸡胸肉 健身轻食 低脂高蛋白 鸡肉",
		specs: []spec{{name: "重量", values: []string{"1kg", "2.5kg"}, add: []money.Fen{0, 35_00}}},
		base:  29_90, sales: 6600, stock: 450,
	},

	// 蔬菜
	{
		category: "蔬菜", name: "有机西兰花", sep: " ",
		desc:  "有机认证西兰花 新鲜蔬菜 绿花菜 基地直供",
		specs: []spec{{name: "重量", values: []string{"500g", "1kg"}, add: []money.Fen{0, 12_00}}},
		base:  15_90, sales: 5300, stock: 300,
	},
	{
		category: "蔬菜", name: "铁棍山药", sep: " ",
		desc:  "河南焦作温县铁棍山药 新鲜蔬菜 粉糯",
		specs: []spec{{name: "规格", values: []string{"2斤装", "5斤装"}, add: []money.Fen{0, 30_00}}},
		base:  25_90, sales: 3500, stock: 260,
	},
	{
		category: "蔬菜", name: "云南小土豆", sep: " ",
		desc:  "云南高原黄心小土豆 新鲜蔬菜 马铃薯",
		specs: []spec{{name: "重量", values: []string{"2.5kg", "5kg"}, add: []money.Fen{0, 14_00}}},
		base:  16_80, sales: 6100, stock: 500,
	},
	{
		category: "蔬菜", name: "有机菠菜", sep: " ",
		desc:  "有机菠菜 新鲜蔬菜 绿叶菜 当日采摘",
		specs: []spec{{name: "重量", values: []string{"300g", "500g"}, add: []money.Fen{0, 5_00}}},
		base:  9_90, sales: 2800, stock: 220,
	},
	{
		category: "蔬菜", name: "寿光西红柿", sep: " ",
		desc:  "山东寿光西红柿 番茄 新鲜蔬菜 自然熟沙瓤",
		specs: []spec{{name: "规格", values: []string{"3斤装", "5斤装"}, add: []money.Fen{0, 9_00}}},
		base:  19_90, sales: 4400, stock: 330,
	},
	{
		category: "蔬菜", name: "云南水果玉米", sep: " ",
		desc:  "云南甜玉米 水果玉米 新鲜蔬菜 可生吃",
		specs: []spec{{name: "规格", values: []string{"6根装", "12根装"}, add: []money.Fen{0, 15_00}}},
		base:  22_90, sales: 3900, stock: 280,
	},

	// 速冻食品
	{
		category: "速冻食品", name: "思念 三鲜水饺 速冻", sep: " ",
		desc:  "思念 三鲜水饺 速冻饺子 早餐夜宵 方便速食",
		specs: []spec{{name: "重量", values: []string{"500g", "1kg"}, add: []money.Fen{0, 12_00}}},
		base:  16_90, sales: 8100, stock: 600,
	},
	{
		category: "速冻食品", name: "思念 猪肉大葱水饺 速冻", sep: " ",
		desc:  "思念 猪肉大葱水饺 速冻饺子 家庭装",
		specs: []spec{{name: "重量", values: []string{"1kg"}}},
		base:  26_90, sales: 5700, stock: 400,
	},
	{
		category: "速冻食品", name: "湾仔码头 玉米猪肉水饺 速冻", sep: " ",
		desc:  "湾仔码头 玉米猪肉水饺 速冻饺子 早餐",
		specs: []spec{{name: "重量", values: []string{"720g", "1.32kg"}, add: []money.Fen{0, 22_00}}},
		base:  32_90, sales: 6400, stock: 380,
	},
	{
		category: "速冻食品", name: "三全 黑芝麻汤圆 速冻", sep: " ",
		desc:  "三全 黑芝麻汤圆 速冻元宵 甜品早餐",
		specs: []spec{{name: "重量", values: []string{"500g", "1kg"}, add: []money.Fen{0, 10_00}}},
		base:  12_90, sales: 4600, stock: 350,
	},
	{
		category: "速冻食品", name: "必品阁 韩式泡菜煎饺 速冻", sep: " ",
		desc:  "bibigo 必品阁 韩式泡菜煎饺 速冻锅贴",
		specs: []spec{{name: "重量", values: []string{"640g"}}},
		base:  35_90, sales: 2100, stock: 160,
	},
	{
		category: "速冻食品", name: "安井 鱼丸 速冻火锅丸子", sep: " ",
		desc:  "安井 鱼丸 速冻火锅丸子 关东煮 火锅食材",
		specs: []spec{{name: "重量", values: []string{"500g", "1kg"}, add: []money.Fen{0, 14_00}}},
		base:  18_90, sales: 5000, stock: 420,
	},
	{
		category: "速冻食品", name: "广州酒家 水晶虾饺 速冻", sep: " ",
		desc:  "广州酒家 水晶虾饺 速冻早茶点心 广式茶点",
		specs: []spec{{name: "重量", values: []string{"400g"}}},
		base:  39_90, sales: 2400, stock: 180,
	},
}
