"""The demo seed: three Taiwanese shops, a few hundred orders over the last 30 days, and dozens of
chats. Deterministic (a fixed random seed); times are relative to the sandbox clock at seeding.
The shops start unauthorized, so the demo begins with 聊聊登入認證.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shopee.sandbox.channels import channel_by_carrier
from shopee.sandbox.chat import NS, buyer_says, seller_centre_says, shopee_says
from shopee.sandbox.config import DAY
from shopee.sandbox.core import Core
from shopee.sandbox.orders import buyer_ensure, order_create
from shopee.sandbox.shops import shop_create
from shopee.sandbox.state import Buyer, Order

DEMO_SEED = 20240415
DEMO_PASSWORD = "demo1234"
HOUR = 3600


@dataclass(frozen=True)
class DemoShop:
    shop_id: str
    account: str
    name: str
    orders: int
    catalog: tuple[tuple[str, tuple[str, ...], int], ...]  # item name, models, price (TWD)
    questions: tuple[str, ...]  # what buyers ask this shop in particular
    answers: tuple[str, ...]


SHOPS = (
    DemoShop(
        "242826267",
        "ktmst",
        "我的測試賣場",
        120,
        (
            ("北歐風陶瓷馬克杯 350ml", ("霧白", "石墨灰", "湖水藍"), 289),
            ("日系棉麻收納籃（大）", ("米白", "淺灰"), 349),
            ("304不鏽鋼保溫瓶 500ml", ("黑色", "奶茶色", "薄荷綠"), 459),
            ("防水旅行收納袋 6件組", ("深藍", "粉紅"), 399),
            ("天然竹纖維洗碗巾（5入）", ("",), 129),
            ("香氛蠟燭 木質調 200g", ("雪松", "白茶"), 520),
            ("珪藻土吸水地墊 60x40cm", ("灰色", "米色"), 399),
            ("LED 感應小夜燈（USB充電）", ("暖黃光", "白光"), 259),
            ("可折疊環保購物袋", ("黑", "卡其", "綠"), 99),
            ("手工冷製皂 薰衣草 100g", ("",), 180),
        ),
        (
            "馬克杯可以微波嗎？",
            "收納籃的尺寸是多少？放得進 IKEA 的層架嗎？",
            "保溫瓶保冷大概可以幾個小時？",
            "香氛蠟燭的味道會很濃嗎？房間比較小😅",
            "地墊是整片的嗎？可以用水洗嗎？",
        ),
        (
            "可以微波的，但請不要放進烤箱喔！",
            "收納籃是 38x26x24 公分，IKEA KALLAX 放得下喔😊",
            "保冷大約 12 小時、保溫 8 小時左右～",
            "味道是淡淡的木質調，小房間也很適合喔！",
        ),
    ),
    DemoShop(
        "318990021",
        "tmsbaby",
        "寶寶生活館",
        110,
        (
            ("嬰兒純棉紗布衣 3入組", ("59cm", "66cm", "73cm", "80cm"), 690),
            ("寬口防脹氣奶瓶 240ml", ("玻璃", "PPSU"), 580),
            ("新生兒四季包巾", ("小熊", "星星", "雲朵"), 450),
            ("寶寶米餅 原味 50g", ("",), 89),
            ("矽膠學習餐具組（吸盤碗+湯匙）", ("奶油黃", "霧粉", "灰藍"), 399),
            ("嬰兒純水濕紙巾 80抽x12包", ("",), 499),
            ("幼兒長袖連身衣", ("70", "80", "90", "100"), 350),
            ("推車萬用掛勾 2入", ("",), 120),
            ("寶寶防撞爬行地墊 180x200cm", ("森林", "海洋"), 1680),
            ("兒童軟毛牙刷 3入", ("1-3歲", "3-6歲"), 150),
        ),
        (
            "請問寶寶 9 個月、身高 72 公分要穿哪個尺寸？",
            "奶瓶可以放消毒鍋嗎？",
            "米餅幾個月的寶寶可以吃呢？",
            "包巾是純棉的嗎？寶寶皮膚比較敏感🥺",
            "地墊有沒有味道？會不會很重？",
        ),
        (
            "72 公分建議選 80 的尺寸，可以穿比較久喔！",
            "可以的，玻璃和 PPSU 都耐高溫，可以放消毒鍋😊",
            "6 個月以上、開始吃副食品的寶寶就可以吃囉～",
            "是 100% 純棉紗布，敏感肌寶寶也可以安心使用❤️",
        ),
    ),
    DemoShop(
        "405512873",
        "tmsgadget",
        "3C小舖",
        100,
        (
            ("Type-C 編織快充線 1m", ("黑", "白"), 199),
            ("20W PD 快充頭", ("白色",), 390),
            ("真無線藍牙耳機 主動降噪", ("曜石黑", "珍珠白"), 1290),
            ("行動電源 10000mAh 自帶線", ("黑", "白", "粉"), 790),
            ("鋁合金手機支架 桌上型", ("銀色", "太空灰"), 350),
            ("iPhone 15 滿版玻璃保護貼", ("iPhone 15", "iPhone 15 Pro", "iPhone 15 Pro Max"), 299),
            ("無線靜音滑鼠", ("黑", "白", "粉"), 320),
            ("USB-C 7合1 多功能轉接器", ("",), 990),
            ("機械式鍵盤 87鍵", ("青軸", "紅軸", "茶軸"), 1890),
            ("車用磁吸手機架", ("",), 460),
        ),
        (
            "請問快充頭支援 iPhone 15 嗎？",
            "耳機左邊沒有聲音，請問怎麼處理？😢",
            "行動電源可以帶上飛機嗎？",
            "保護貼是 iPhone 15 Pro 的嗎？怕買錯",
            "轉接器可以接兩台螢幕嗎？",
        ),
        (
            "支援的，20W PD 可以幫 iPhone 15 系列快充喔！",
            "不好意思造成困擾🙏 請先將兩耳放回充電盒重置，若還是沒聲音我們幫您換新。",
            "10000mAh 符合航空規定，可以隨身攜帶登機（不能托運）。",
            "下單時請選擇對應的型號，我們會依您選的型號出貨喔😊",
        ),
    ),
)

COMMON_QUESTIONS = (
    "請問今天下單什麼時候會出貨？",
    "您好，我昨天下單了，請問寄出了嗎？",
    "請問可以幫我改寄到別的門市嗎？我選錯了😅",
    "已經付款了，麻煩盡快寄出，謝謝😊",
    "請問超商取貨大概要幾天會到？",
    "請問還有現貨嗎？想買兩組",
    "這個什麼時候會補貨呢？",
    "可以合併運費嗎？我下了兩張單🙏",
    "請問有開發票嗎？需要打統編",
    "包裹顯示已到店了嗎？我還沒收到簡訊",
)
COMMON_ANSWERS = (
    "您好，今天下午會寄出喔，謝謝您的耐心等候！",
    "親愛的您好，目前還有現貨，歡迎直接下單😊",
    "您好，已經幫您確認，商品明天會出貨。",
    "超商取貨一般 2-3 天會到店，到店會有簡訊通知喔！",
    "不好意思，這款目前缺貨，預計下週補貨，到貨會再通知您🙏",
    "有的，發票會隨貨附上，統編請寫在訂單備註喔～",
)
FOLLOW_UPS = ("好的，謝謝！", "了解，感謝🙏", "👍👍", "收到了！包裝很用心，謝謝老闆❤️", "太好了，謝謝您😊")
NOTES_TO_SELLER = (
    "",
    "",
    "",
    "",
    "請幫我包裝好一點，要送人的🎁",
    "麻煩不要放發票在包裹裡",
    "可以的話請盡快出貨，謝謝！",
)

USER_NAMES = (
    "yating", "weiming", "shufen", "jiahao", "yijun", "zhiming", "xinyi", "junjie", "peijun", "guanyu",
    "meiling", "chihhao", "hsinyu", "tzuhan", "yuting", "kaiwen", "wanting", "chunhung", "yichen", "pinhsuan",
)  # fmt: skip
SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝郭洪"
GIVEN_NAMES = (
    "雅婷",
    "怡君",
    "志明",
    "家豪",
    "淑芬",
    "俊傑",
    "欣怡",
    "宗翰",
    "佩君",
    "冠宇",
    "美玲",
    "建宏",
    "心妤",
    "子涵",
)
PLACES = (
    ("台北市", "大安區", "106", "忠孝東路四段"),
    ("台北市", "信義區", "110", "松仁路"),
    ("新北市", "板橋區", "220", "文化路一段"),
    ("桃園市", "中壢區", "320", "中正路"),
    ("新竹市", "東區", "300", "光復路二段"),
    ("台中市", "西屯區", "407", "台灣大道三段"),
    ("台南市", "東區", "701", "大學路"),
    ("高雄市", "左營區", "813", "博愛二路"),
)
STORES = ("大安", "信義", "松江", "府中", "中壢新明", "逢甲", "成大", "巨蛋", "光復", "藝文")

# (carrier, weight): convenience stores dominate in Taiwan.
CARRIER_WEIGHTS = (
    ("7-ELEVEN", 30),
    ("全家", 25),
    ("蝦皮店到店", 15),
    ("萊爾富", 6),
    ("OK Mart", 4),
    ("黑貓宅急便", 10),
    ("新竹物流", 6),
    ("賣家宅配", 4),
)
SHIPPING_FEE = {"store": 60, "home": 100, "seller": 150}

# Status by order age: older orders are mostly done.
STATUS_BY_AGE = (
    (1 * DAY, (("UNPAID", 20), ("READY_TO_SHIP", 55), ("PROCESSED", 15), ("CANCELLED", 5), ("IN_CANCEL", 5))),
    (
        3 * DAY,
        (("READY_TO_SHIP", 30), ("PROCESSED", 25), ("SHIPPED", 35), ("RETRY_SHIP", 5), ("CANCELLED", 5)),
    ),
    (
        8 * DAY,
        (("SHIPPED", 35), ("TO_CONFIRM_RECEIVE", 25), ("COMPLETED", 30), ("CANCELLED", 5), ("TO_RETURN", 5)),
    ),
    (31 * DAY, (("COMPLETED", 85), ("CANCELLED", 10), ("TO_RETURN", 5))),
)
HAS_TRACKING = ("PROCESSED", "RETRY_SHIP", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN")


def seed_demo(core: Core) -> None:
    """Fill `core.world` (expected empty) with the demo. Sends no pushes."""
    core.rng = random.Random(DEMO_SEED)
    rng = core.rng
    now = core.world.now_s()
    buyers = [_buyer(core, rng, n) for n in range(90)]
    for demo in SHOPS:
        shop_create(
            core,
            account=demo.account,
            password=DEMO_PASSWORD,
            name=demo.name,
            shop_id=demo.shop_id,
            user_id=1_100_000_000 + int(demo.shop_id[-6:]),
        )
        shop_orders = [_order(core, rng, demo, rng.choice(buyers), now) for _ in range(demo.orders)]
        _conversations(core, rng, demo, buyers, shop_orders, now)
    _scope_examples(core, now)
    for demo in SHOPS:
        _rich_examples(core, demo)
    core.changed()


def _rich_examples(core: Core, demo: DemoShop) -> None:
    """A few chats of each shop go on with what is not text: a buyer's photo, a sticker, a product
    and an order card, the shop's automatic reply, the FAQ assistant and a Shopee notification."""
    world = core.world
    ordered = {o.buyer_id: o for o in world.orders.values() if o.shop_id == demo.shop_id}
    chats = sorted(
        (c for c in world.conversations.values() if c.shop_id == demo.shop_id and c.buyer_id in ordered),
        key=lambda c: c.conversation_id,
    )[:3]
    shop = demo.shop_id
    for n, chat in enumerate(chats):
        order, buyer = ordered[chat.buyer_id], chat.buyer_id
        if n == 0:
            buyer_says(
                core, shop_id=shop, buyer_id=buyer, text="收到的商品是這樣，顏色好像不一樣？", push=False
            )
            buyer_says(core, shop_id=shop, buyer_id=buyer, message_type="image", content={}, push=False)
        elif n == 1:
            item = {"shop_id": int(shop), "item_id": order.items[0]["item_id"]}
            buyer_says(core, shop_id=shop, buyer_id=buyer, message_type="item", content=item, push=False)
            buyer_says(core, shop_id=shop, buyer_id=buyer, text="這個還有貨嗎？", push=False)
            shopee_says(core, shop_id=shop, buyer_id=buyer, text=AUTO_REPLY, status="auto_reply")
        else:
            content = {"shop_id": int(shop), "order_sn": order.order_sn}
            buyer_says(core, shop_id=shop, buyer_id=buyer, message_type="order", content=content, push=False)
            bot = {"type": 1, "messages": [], "shopee_chatbot_replied": True}
            shopee_says(core, shop_id=shop, buyer_id=buyer, message_type="bundle_message", content=bot)
            notice = {
                "notification_for_receiver": "買家已申請取消訂單",
                "notification_for_sender": "您已申請取消訂單",
            }
            buyer_says(
                core, shop_id=shop, buyer_id=buyer, message_type="notification", content=notice, push=False
            )
            sticker = {"sticker_id": "0008", "sticker_package_id": "sticker_tw_choki"}
            buyer_says(
                core, shop_id=shop, buyer_id=buyer, message_type="sticker", content=sticker, push=False
            )


AUTO_REPLY = "您好，感謝您的訊息！目前非營業時間，我們會在上班後盡快回覆您。"


# Orders of 我的測試賣場 with fixed numbers, one or more per read scope of the order download
# (docs/ORDER_SCOPES.md), created two days ago: (order_sn, status, carrier, tracking number?).
SCOPE_EXAMPLES = (
    ("200415BVCQARP", "READY_TO_SHIP", "全家", False),  # store pickup, no tracking number yet
    ("200415CVSNUM1", "READY_TO_SHIP", "7-ELEVEN", True),  # store pickup, 寄件編號 assigned
    ("200415CVSPRC2", "PROCESSED", "蝦皮店到店", True),  # store pickup, shipment arranged
    ("200415HOMERT3", "READY_TO_SHIP", "黑貓宅急便", False),  # home delivery to ship
    ("200415SELLER4", "READY_TO_SHIP", "賣家宅配", False),  # seller-arranged home delivery
    ("200415SHIPPD5", "SHIPPED", "OK Mart", True),  # handed to the carrier
    ("200415UNPAID6", "UNPAID", "萊爾富", False),  # not paid yet
)


def _scope_examples(core: Core, now: int) -> None:
    for number, (order_sn, status, carrier, tracked) in enumerate(SCOPE_EXAMPLES):
        order_create(
            core,
            shop_id="242826267",
            buyer_id=300_000_000 + number,
            buyer_name=f"scope{number}",
            order_sn=order_sn,
            status=status,
            carrier=carrier,
            tracking_number="auto" if tracked else None,
            items=[
                {
                    "item_name": "北歐風陶瓷馬克杯 350ml",
                    "model_name": "霧白",
                    "item_sku": "KTMST-01",
                    "model_sku": "KTMST-01-1",
                    "quantity": 1,
                    "price": 289,
                }
            ],
            create_time=now - 2 * DAY,
            push=False,
        )


def _buyer(core: Core, rng: random.Random, n: int) -> Buyer:
    name = USER_NAMES[n % len(USER_NAMES)]
    username = rng.choice(
        (f"{name}{rng.randrange(10, 99)}", f"{name}_{rng.randrange(1980, 2005)}", f"{name}.tw")
    )
    return buyer_ensure(core, 300_000_000 + n * 7_919 + rng.randrange(1000), f"{username}{n}")


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def _order(core: Core, rng: random.Random, demo: DemoShop, buyer: Buyer, now: int) -> Order:
    age = rng.randrange(10 * 60, 30 * DAY)
    status = _weighted(rng, next(choices for limit, choices in STATUS_BY_AGE if age < limit))
    carrier = _weighted(rng, CARRIER_WEIGHTS)
    channel = channel_by_carrier(carrier)
    items = []
    for name, models, price in rng.sample(demo.catalog, rng.choice((1, 1, 1, 2, 2, 3))):
        model = rng.choice(models)
        # SKUs as a seller keys them in Seller Centre: per item, and per model when it has models.
        item_sku = f"{demo.account.upper()}-{demo.catalog.index((name, models, price)) + 1:02d}"
        items.append(
            {
                "item_name": name,
                "model_name": model,
                "item_sku": item_sku,
                "model_sku": f"{item_sku}-{models.index(model) + 1}" if model else "",
                "price": price,
                "quantity": rng.choice((1, 1, 1, 2, 3)),
            }
        )
    city, district, zipcode, street = rng.choice(PLACES)
    person = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
    address = (
        f"{carrier} {rng.choice(STORES)}門市"
        if channel.kind == "store"
        else f"{city}{district}{street}{rng.randrange(1, 300)}號{rng.randrange(2, 15)}樓"
    )
    shipped = status in HAS_TRACKING
    with_tracking = shipped or (status == "READY_TO_SHIP" and channel.kind == "store" and rng.random() < 0.5)
    if channel.kind == "seller" and status == "PROCESSED":
        with_tracking = rng.random() < 0.5  # the seller types it in when shipping
    create_time = now - age
    order = order_create(
        core,
        shop_id=demo.shop_id,
        buyer_id=buyer.buyer_id,
        status=status,
        carrier=carrier,
        tracking_number="auto" if with_tracking else None,
        items=items,
        shipping_fee=SHIPPING_FEE[channel.kind],
        create_time=create_time,
        recipient={
            "name": person,
            "phone": f"09{rng.randrange(10_000_000, 99_999_999)}",
            "town": "",
            "district": district,
            "city": city,
            "state": city,
            "region": "TW",
            "zipcode": zipcode,
            "full_address": address,
        },
        message_to_seller=rng.choice(NOTES_TO_SELLER),
        payment_method=rng.choice(("信用卡", "貨到付款", "蝦皮錢包", "ATM 轉帳")),
        push=False,
    )
    order.update_time = min(now, create_time + rng.randrange(HOUR, 3 * DAY))
    if status in ("SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"):
        order.pickup_done_time = min(order.update_time, create_time + DAY)
    if status == "CANCELLED":
        order.cancel_by, order.cancel_reason = rng.choice(
            (("buyer", "Need to change delivery address"), ("buyer", "Others"), ("system", "Unpaid"))
        )
        if order.cancel_reason == "Unpaid":
            order.pay_time = None
    return order


def _conversations(
    core: Core, rng: random.Random, demo: DemoShop, buyers: list[Buyer], orders: list[Order], now: int
) -> None:
    """About 16 chats per shop: most with buyers who ordered, some answered, some waiting."""
    recent_orders = sorted(orders, key=lambda o: -o.create_time)[:40]
    chatting = rng.sample(recent_orders, 12)
    strangers = [b for b in buyers if all(b.buyer_id != o.buyer_id for o in orders)]
    talkers = [(o.buyer_id, o.order_sn) for o in chatting] + [(b.buyer_id, None) for b in strangers[:4]]
    seen = set()
    for buyer_id, order_sn in talkers:
        if buyer_id in seen:
            continue
        seen.add(buyer_id)
        start = now - rng.randrange(4 * HOUR, 6 * DAY)  # leaves room for the replies below
        ns = start * NS + rng.randrange(NS)
        question = rng.choice(demo.questions + COMMON_QUESTIONS)
        buyer_says(
            core,
            shop_id=demo.shop_id,
            buyer_id=buyer_id,
            text=question,
            order_sn=order_sn,
            created_ns=ns,
            push=False,
        )
        scenario = rng.random()
        if scenario < 0.3:
            continue  # waiting for an answer (unread)
        ns += rng.randrange(5 * 60, 2 * HOUR) * NS
        answer = rng.choice(demo.answers + COMMON_ANSWERS)
        seller_centre_says(core, shop_id=demo.shop_id, buyer_id=buyer_id, text=answer, created_ns=ns)
        conversation = core.world.conversation_between(demo.shop_id, buyer_id)
        conversation.unread_count = 0
        conversation.last_read_message_id = conversation.message_ids[-2]
        if scenario < 0.7:
            ns += rng.randrange(60, HOUR) * NS
            buyer_says(
                core,
                shop_id=demo.shop_id,
                buyer_id=buyer_id,
                text=rng.choice(FOLLOW_UPS),
                created_ns=ns,
                push=False,
            )
        if scenario > 0.9:
            ns += rng.randrange(60, 30 * 60) * NS
            buyer_says(core, shop_id=demo.shop_id, buyer_id=buyer_id, text="😊", created_ns=ns, push=False)
