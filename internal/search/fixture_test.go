package search_test

import (
	"time"

	"github.com/storefront/storefront/internal/search"
)

// Categories: 1 数码 > 2 手机, 3 笔记本电脑, 4 平板电脑, 5 数码配件;
// 10 食品生鲜 > 11 水果, 12 海鲜水产, 13 蛋类, 14 饮料; 20 服饰 > 21 T恤;
// 30 家电.
var categoryPath = map[int][]int{
	2: {2, 1}, 3: {3, 1}, 4: {4, 1}, 5: {5, 1},
	11: {11, 10}, 12: {12, 10}, 13: {13, 10}, 14: {14, 10},
	21: {21, 20}, 30: {30},
}

var categoryName = map[int]string{
	2: "手机", 3: "笔记本电脑", 4: "平板电脑", 5: "数码配件",
	11: "水果", 12: "海鲜水产", 13: "蛋类", 14: "饮料", 21: "T恤", 30: "家电",
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type sku struct {
	id, cat, goods int
	name, caption  string
	specs          []string
	price          int64
	sales, stock   int
	unlaunched     bool
}

var skus = []sku{
	{1, 2, 1, "华为 Mate 60 Pro 手机 雅川青 12GB+512GB", "超可靠玄武架构 卫星通话", []string{"雅川青", "512GB"}, 699900, 900, 20, false},
	{2, 2, 1, "华为 Mate 60 手机 黑色 256GB", "超可靠玄武架构", []string{"黑色", "256GB"}, 599900, 1200, 0, false},
	{3, 2, 2, "Apple/苹果 iPhone 15 黑色 128GB", "灵动岛 4800万像素主摄", []string{"黑色", "128GB"}, 599900, 3000, 50, false},
	{4, 2, 2, "Apple/苹果 iPhone 15 粉色 256GB", "灵动岛 4800万像素主摄", []string{"粉色", "256GB"}, 699900, 1500, 50, false},
	{5, 2, 3, "Apple/苹果 iPhone 15 Pro Max 原色钛金属 256GB", "钛金属设计 A17 Pro 芯片", []string{"原色钛金属", "256GB"}, 999900, 800, 10, false},
	{6, 2, 4, "小米 14 徕卡光学镜头 黑色 16GB+512GB", "骁龙8 Gen3 小米澎湃OS", []string{"黑色", "512GB"}, 459900, 2000, 30, false},
	{7, 2, 4, "小米 14 白色 12GB+256GB", "骁龙8 Gen3 小米澎湃OS", []string{"白色", "256GB"}, 399900, 2500, 30, false},
	{8, 2, 5, "OPPO Find X7 智能手机 海阔天空", "天玑9300 超光影三主摄", []string{"海阔天空"}, 399900, 700, 5, false},
	{9, 2, 6, "vivo X100 手机 落日橙", "蔡司影像 蓝晶芯片", []string{"落日橙"}, 399900, 650, 5, false},
	{10, 3, 7, "Apple MacBook Air 13 英寸 M3 芯片 笔记本电脑 午夜色", "轻薄 续航18小时", []string{"午夜色", "256GB"}, 899900, 400, 8, false},
	{11, 3, 8, "Apple MacBook Pro 14 英寸 笔记本电脑 深空黑色", "M3 Pro 芯片 专业性能", []string{"深空黑色", "512GB"}, 1499900, 200, 3, false},
	{12, 3, 9, "联想 ThinkPad X1 Carbon 商务笔记本电脑", "碳纤维机身 英特尔酷睿", []string{"黑色"}, 999900, 150, 6, false},
	{13, 3, 10, "华为 MateBook X Pro 笔记本电脑 轻薄本", "微绒典藏版 OLED 原色屏", []string{"墨蓝"}, 1299900, 120, 4, false},
	{14, 3, 11, "小米 Redmi Book 14 笔记本", "高性能轻薄 办公学习", []string{"灰色"}, 349900, 600, 12, false},
	{15, 4, 12, "Apple iPad Air 11 英寸 平板电脑 蓝色", "M2 芯片 支持 Apple Pencil", []string{"蓝色", "128GB"}, 479900, 500, 9, false},
	{16, 4, 13, "华为 MatePad 11 平板电脑", "柔光屏 学习办公", []string{"曜石黑"}, 229900, 450, 9, false},
	{17, 11, 14, "烟台红富士苹果 5斤装 新鲜水果", "脆甜多汁 产地直发", []string{"5斤装"}, 3990, 5000, 100, false},
	{18, 11, 15, "阿克苏冰糖心苹果 10斤 整箱", "糖心脆甜 新疆直发", []string{"10斤"}, 6990, 4200, 100, false},
	{19, 11, 16, "海南香蕉 5斤", "香甜软糯 现摘现发", []string{"5斤"}, 2990, 3000, 100, false},
	{20, 11, 17, "赣南脐橙 新鲜橙子 5kg", "果肉细嫩 汁多味甜", []string{"5kg"}, 4990, 2800, 100, false},
	{21, 14, 18, "苹果醋饮料 350ml*12瓶", "酸甜开胃", []string{"350ml*12"}, 5900, 300, 50, false},
	{22, 12, 19, "挪威三文鱼 冰鲜刺身 500g", "空运直达 新鲜刺身", []string{"500g"}, 15900, 900, 20, false},
	{23, 12, 20, "智利三文鱼 切片 200g", "冷冻保鲜 轻食沙拉", []string{"200g"}, 5900, 700, 20, false},
	{24, 12, 21, "阿根廷红虾 大虾 2kg", "野生捕捞 整箱冷冻", []string{"2kg"}, 19900, 650, 20, false},
	{25, 12, 22, "阳澄湖大闸蟹 鲜活 8只装", "公蟹4两 母蟹3两", []string{"8只装"}, 39900, 400, 0, false},
	{26, 13, 23, "农家土鸡蛋 30枚", "散养柴鸡蛋 新鲜直达", []string{"30枚"}, 3990, 6000, 200, false},
	{27, 13, 24, "无菌可生食鸡蛋 20枚", "日式标准 可生食", []string{"20枚"}, 4590, 1500, 200, false},
	{28, 13, 25, "高邮咸鸭蛋 20枚", "红心流油", []string{"20枚"}, 3290, 800, 200, false},
	{29, 21, 26, "纯棉短袖T恤 男 黑色", "宽松百搭", []string{"黑色", "XL"}, 7900, 3000, 100, false},
	{30, 21, 27, "苹果图案印花T恤 女 白色", "卡通可爱", []string{"白色", "M"}, 6900, 900, 100, false},
	{31, 5, 28, "Apple 20W USB-C 电源适配器 手机充电器", "快速充电", []string{"白色"}, 14900, 2500, 100, false},
	{32, 5, 29, "华为 Mate 60 手机壳 保护套", "全包防摔", []string{"黑色"}, 3900, 1800, 100, false},
	{33, 5, 30, "小米 移动电源 10000mAh 充电宝", "双向快充", []string{"白色"}, 7900, 2200, 100, false},
	{34, 2, 1, "华为 Mate 60 手机 白色 1TB", "超可靠玄武架构", []string{"白色", "1TB"}, 799900, 0, 10, true},
	{35, 2, 31, "Apple/苹果 iPhone 14 黑色 128GB", "上一代", []string{"黑色", "128GB"}, 429900, 9000, 10, true},
	{36, 5, 32, "<script>alert(1)</script> 桌面支架", "懒人 & 追剧", []string{"银色"}, 2900, 100, 100, false},
	{37, 30, 33, "戴森 吹风机 HD15 紫红色", "快速干发 智能温控", []string{"紫红色"}, 299900, 700, 10, false},
	{38, 5, 34, "索尼 WH-1000XM5 头戴式降噪耳机 黑色", "旗舰降噪", []string{"黑色"}, 249900, 900, 10, false},
	{39, 30, 35, "美的 电饭煲 4L 家用", "IH加热 智能预约", []string{"4L"}, 39900, 1100, 10, false},
	{40, 14, 36, "有机纯牛奶 250ml*24盒", "草原牧场", []string{"250ml*24"}, 6990, 4000, 100, false},
}

func fixture() []search.Doc {
	docs := make([]search.Doc, 0, len(skus))
	for _, s := range skus {
		docs = append(docs, search.Doc{
			SKUID: s.id, CategoryID: s.cat, GoodsID: s.goods, CategoryIDs: categoryPath[s.cat],
			Name: s.name, Caption: s.caption, GoodsName: s.name, CategoryName: categoryName[s.cat],
			Specs: s.specs, Price: s.price, Sales: s.sales, Stock: s.stock, Launched: !s.unlaunched,
			CreatedAt: epoch.Add(time.Duration(s.id) * time.Hour),
		})
	}
	return docs
}

var relevanceCases = []search.Case{
	{Query: "手机", Want: []int{1, 2, 8, 9}, Not: []int{17, 18, 26, 34}},
	{Query: "笔记本", Want: []int{10, 11, 12, 13, 14}},
	{Query: "笔记本电脑", Want: []int{10, 11, 12, 13}, Not: []int{15, 16}},
	{Query: "iPhone 15 黑色", Want: []int{3, 4, 5}, Not: []int{37, 35}},
	{Query: "苹果", Want: []int{3, 17, 18}},
	{Query: "苹果手机", Want: []int{3, 4, 5}, Not: []int{17, 18, 21, 30}},
	{Query: "华为手机", Want: []int{1, 2}, Not: []int{34, 3}},
	{Query: "小米14", Want: []int{6, 7}},
	{Query: "MacBook Air 13", Want: []int{10}},
	{Query: "三文鱼", Want: []int{22, 23}},
	{Query: "鸡蛋", Want: []int{26, 27}},
	{Query: "红富士", Want: []int{17}},
	{Query: "Mate 60", Want: []int{1, 2}, Not: []int{34}},
	{Query: "平板电脑", Want: []int{15, 16}},
	{Query: "新鲜水果", Want: []int{17, 20}},
	{Query: "iphone", Want: []int{3, 4, 5}, Not: []int{35}},
}
