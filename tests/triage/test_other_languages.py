# ruff: noqa: RUF001 (the messages are written in other scripts on purpose)
"""Red flags in languages the assistant does not answer in
(knowledge/triage/other_languages.yml): urgent however they are typed, while
ordinary questions in those languages, and English, are left alone."""

from __future__ import annotations

import pytest
import yaml

from components.triage.other_languages import LEXICON, fold, other_language_red_flags
from triage.harness import Triage

RED_FLAGS = [
    ("zh", "breathing", "我妈妈突然喘不过气来了"),
    ("zh", "chest_heart", "他胸口特别疼，已经半小时了"),
    ("zh", "stroke", "爷爷说话不清楚，嘴也歪了"),
    ("vi", "bleeding", "chồng tôi ho ra máu nhiều lắm"),
    ("vi", "breathing", "me toi kho tho lam"),  # typed without tone marks
    ("tl", "consciousness", "nahimatay si lola sa banyo"),
    ("ko", "seizure", "남편이 지금 경련을 하고 있어요"),
    ("ko", "breathing", "숨을못쉬겠어요"),  # written without spaces
    ("ru", "stroke", "у папы вдруг перекосило лицо"),
    ("ru", "self_harm", "я больше не хочу жить"),
    ("ar", "breathing", "زوجي لديه ضيق في التنفس شديد"),
    ("ht", "bleeding", "pitit mwen ap vomi san"),
    ("fr", "chest_heart", "Mon mari a une douleur a la poitrine depuis une heure"),
    ("pt", "infection", "minha mãe está com febre de 39 e calafrios"),
    ("pt", "bleeding", "o sangramento da gengiva começou de manhã e ainda não para"),
    ("pl", "stroke", "tata ma chyba udar, nie może podnieść ręki"),
    ("it", "infection", "mio marito fa la chemio e stasera ha la febbre"),
    ("de", "consciousness", "meine Frau ist bewusstlos im Bad"),
    ("hi", "breathing", "papa ko saans nahi aa rahi theek se"),
    ("zh", "infection", "爸爸在化疗，现在发烧了"),
    # Families besides the first nine, Arabic in Latin letters, and the
    # passive or indirect ways people write of not wanting to live.
    ("fr", "dehydration", "Ma mère vomit tout ce qu'elle boit depuis hier, elle ne garde rien"),
    ("zh", "dehydration", "我爸爸喝水都吐，一整天没尿了"),
    ("ru", "dehydration", "Меня рвёт весь день, даже вода не держится"),
    ("ar_latn", "dehydration", "ana 3am bastafregh kel shi w ma belt men el sob7"),
    ("hi", "dehydration", "subah se peshab nahi aaya aur paani bhi ulti ho jata hai"),
    ("pt", "severe_pain", "estou com uma dor insuportável, o remédio não faz efeito nenhum"),
    ("ko", "severe_pain", "진통제도 소용없고 참을 수 없는 통증이에요"),
    ("ht", "severe_pain", "doulè a twò fò, 12 sou 10, grenn doulè yo pa fè anyen"),
    ("de", "severe_pain", "Mein Vater weint vor Schmerzen, die Schmerzmittel wirken nicht"),
    ("it", "spinal_cord", "ho un forte mal di schiena e le gambe sono intorpidite da stamattina"),
    ("ru", "spinal_cord", "Сильно болит спина, и вдруг онемели ноги"),
    ("ar", "spinal_cord", "فقدت السيطرة على البول فجأة وظهري يوجعني"),
    ("pl", "spinal_cord", "boli mnie kręgosłup i nie czuję nóg"),
    ("fr", "blood_clot", "mon mollet gauche est gonflé, chaud et très douloureux"),
    ("tl", "blood_clot", "namamaga ang isang binti ko, masakit at mainit"),
    ("de", "blood_clot", "Nur ein Bein ist dick geschwollen und die Wade tut weh"),
    ("ar_latn", "blood_clot", "ejri mnaf5a w btewja3ni kteer"),
    ("pt", "injury", "minha avó caiu e bateu a cabeça, ela toma anticoagulante"),
    ("vi", "injury", "bố tôi bị ngã đập đầu, giờ buồn nôn"),
    ("ko", "injury", "할머니가 넘어져서 머리를 부딪쳤어요"),
    ("hi", "injury", "papa gir gaye aur sir pe chot lagi hai"),
    ("it", "general", "mia moglie è svenuta due volte oggi e il cuore le batte fortissimo"),
    ("ru", "general", "Он уже несколько раз падал в обморок, сердце колотится"),
    ("tl", "general", "parang hihimatayin ako, bumibilis ang tibok ng puso ko"),
    ("pl", "general", "mama zemdlała dwa razy, wezwać karetkę?"),
    ("ar_latn", "self_harm", "ta3bt men 7ayati, baddi moot w 5alas"),
    ("ar_latn", "chest_heart", "sadri 3am yewja3ni kteer w 3ara2 bared"),
    ("ar_latn", "breathing", "mama mish 2adra tetnafas, nafasa ma2tou3"),
    ("ar_latn", "infection", "3andi 7arara 39 w ana 3am a3mel kimawi"),
    ("ar_latn", "stroke", "abi wejho mayel w mish 2ader yetkalam"),
    ("zh", "self_harm", "活着太累了，我是家里的负担，没有我大家会更好"),
    ("fr", "self_harm", "je suis un fardeau pour mes enfants, ils seraient mieux sans moi"),
    ("pt", "self_harm", "estou juntando comprimidos para quando não aguentar mais"),
    ("ko", "self_harm", "그냥 자다가 깨지 않았으면 좋겠어요"),
    ("de", "self_harm", "Ich habe schon einen Abschiedsbrief geschrieben"),
    ("ru", "self_harm", "я устала жить, всем будет лучше без меня"),
    ("vi", "self_harm", "tôi mệt mỏi với cuộc sống, chỉ muốn ngủ luôn không dậy"),
    ("tl", "self_harm", "pabigat na lang ako sa pamilya ko, sana hindi na ako magising"),
    ("ht", "self_harm", "mwen bouke viv, li t ap pi bon si m pa la ankò"),
    ("it", "self_harm", "sono un peso per tutti, vorrei non svegliarmi più"),
    ("hi", "self_harm", "main sab par bojh hoon, jeene ka mann nahi karta"),
    ("pl", "self_harm", "jestem ciężarem dla rodziny, mam dość życia"),
    ("ar", "self_harm", "تعبت من الحياة وبدي اختفي"),
    ("ko", "breathing", "누우면 숨이 차서 잠을 못 자요"),
    ("fr", "breathing", "je suis essoufflée même au repos, assise sur le canapé"),
    ("ru", "bleeding", "папу вырвало чем-то вроде кофейной гущи"),
    ("de", "bleeding", "Er hat Kaffeesatz erbrochen und der Stuhl ist schwarz"),
    ("it", "bleeding", "perdo molto sangue dal sedere, con grumi di sangue"),
    ("vi", "consciousness", "mẹ tôi tự nhiên nói lung tung, không nhận ra ai"),
    ("pt", "consciousness", "meu pai de repente ficou confuso e está trocando as palavras"),
    ("ar", "consciousness", "ابوي صار مخربط وما عم يصحى"),
    ("pl", "infection", "mam chemię i gorączkę 38,5, trzęsie mnie z zimna"),
    ("ht", "infection", "mwen gen lafyèv 39 e m ap fè chimyo"),
    ("hi", "infection", "chemo chal rahi hai aur bukhar 102 hai, kapkapi ho rahi"),
    ("de", "chest_heart", "Druck in der Brust, kalter Schweiß, und der linke Arm ist taub"),
    ("tl", "chest_heart", "masakit ang dibdib ko at manhid ang kaliwang braso"),
    ("ar", "chest_heart", "ألم في صدري وتنميل في يدي اليسرى وعرق بارد"),
    # Somali, Amharic, Farsi (with and without the zero-width non-joiner, on a
    # Persian or an Arabic keyboard, with Persian digits), Urdu in Latin
    # letters, and Moroccan and Algerian Darija in Latin letters with digits.
    ("so", "breathing", "Aabahay ma neefsan karo, bushimihiisuna waa buluug"),
    ("so", "bleeding", "Hooyaday dhiig ayay matagaysaa tan iyo subaxdii"),
    ("so", "infection", "Waxaan qaataa kiimo, hadana qandho 38.9 ayaan qabaa"),
    ("so", "self_harm", "Aad ayaan u daalay, waxaan rabaa inaan dhinto"),
    ("so", "consciousness", "Awoowe wuu suuxay, miyirkiisii wuu beelay"),
    ("am", "breathing", "አባቴ መተንፈስ አቃተው"),
    ("am", "chest_heart", "ደረቴን በጣም ያመኛል፣ ቀዝቃዛ ላብ ያልበኛል"),
    ("am", "bleeding", "እናቴ ደም አስታወከች"),
    ("am", "self_harm", "መኖር አልፈልግም፣ ራሴን ማጥፋት እፈልጋለሁ"),
    ("fa", "breathing", "پدرم نمی‌تونه نفس بکشه و لب‌هاش کبود شده"),
    ("fa", "breathing", "نمي‌توانم نفس بكشم"),
    ("fa", "infection", "مادرم شیمی‌درمانی می‌شه و الان تب ۳۸٫۷ داره"),
    ("fa", "bleeding", "شوهرم خون بالا آورده"),
    ("fa", "allergic", "بعد از تزریق ماده حاجب لب‌هام ورم کرده"),
    ("fa", "self_harm", "دیگه از زندگی خسته شدم، دلم می‌خواد بمیرم"),
    ("fa", "stroke", "صورت بابام یهو کج شد و نمی‌تونه حرف بزنه"),
    ("ur_latn", "breathing", "ammi ki saans nahi aa rahi aur hont neelay ho gaye hain"),
    ("ur_latn", "bleeding", "abbu ko khoon ki qay ho rahi hai"),
    ("ur_latn", "consciousness", "dadi behosh ho gai hain, koi jawab nahi de rahi"),
    ("ur_latn", "self_harm", "zindagi se tang aa gai hoon, neend ki goliyan jama kar rahi hoon"),
    ("ur_latn", "infection", "chemo chal rahi hai aur taiz bukhar hai, kapkapi bhi"),
    ("ar_latn", "infection", "3ndi s5ana 39,2 w kanr3ad"),
    ("ar_latn", "breathing", "baba ma kaynfssch mzyan, ma 9adrach nt2enfes"),
    ("ar_latn", "bleeding", "mama kattqiya dem mn sba7"),
    ("ar_latn", "consciousness", "jddi ghma 3lih f l7mmam"),
    ("ar_latn", "self_harm", "3yit mn 7yati, bghit nmout"),
    # A decimal or degree reading with chemotherapy or chills; legs weakening
    # with retention; a low temperature with confusion; lips, tongue or throat
    # after an injection or contrast; a fall with a leg turned out or shorter.
    ("pt", "infection", "faço quimio e hoje estou com 38,6"),
    ("vi", "infection", "mẹ tôi đang hóa trị, giờ 39 độ"),
    ("zh", "infection", "我在化疗，今天38.5度"),
    ("ru", "infection", "после химии 38,7 и всего трясёт"),
    ("fr", "infection", "je suis sous chimio et j'ai 38,4"),
    ("ko", "infection", "항암 치료 중인데 38.5도예요"),
    ("tl", "bleeding", "nagsuka ng dugo si nanay kanina"),
    ("zh", "spinal_cord", "我的腿越来越没力，站不起来，也尿不出来"),
    ("ko", "spinal_cord", "다리에 힘이 점점 빠지고 일어설 수가 없고 소변도 안 나와요"),
    ("vi", "spinal_cord", "chân tôi yếu dần, không đứng được và bí tiểu"),
    ("ru", "spinal_cord", "Ноги слабеют, не могу встать и не могу помочиться"),
    ("ru", "consciousness", "У мамы температура 35,2, она очень сонливая и заторможенная"),
    ("fr", "consciousness", "Mon père a une température de 35,1 et il est confus"),
    ("pt", "consciousness", "minha avó está com temperatura de 35,3 e muito sonolenta"),
    ("zh", "consciousness", "奶奶体温35.2度，人有点糊涂"),
    ("ar", "allergic", "بعد حقنة الصبغة انتفخت شفايفي"),
    ("fr", "allergic", "après l'injection du produit de contraste j'ai la gorge qui se serre"),
    ("pt", "allergic", "depois da injeção minha língua inchou"),
    ("ru", "allergic", "после укола опухли губы и язык"),
    ("zh", "allergic", "打了造影剂以后喉咙发紧"),
    ("vi", "allergic", "sau khi tiêm thuốc cản quang môi bị sưng"),
    ("tl", "allergic", "pagkatapos ng turok namaga ang labi ko"),
    ("it", "injury", "la nonna è caduta e ha la gamba girata in fuori"),
    ("pt", "injury", "minha mãe caiu e a perna ficou mais curta"),
    ("fr", "injury", "mon père est tombé, il a la jambe tournée vers l'extérieur"),
    ("de", "injury", "Oma ist gestürzt und kann nicht mehr aufstehen"),
    ("pl", "injury", "babcia przewróciła się i nie może wstać"),
    ("ru", "injury", "бабушка упала, нога вывернута наружу"),
    ("hi", "breathing", "papa ke lips neele pad gaye hain"),
    # Hindi in Devanagari script and Japanese.
    ("hi_deva", "breathing", "पापा को सांस नहीं आ रही और होंठ नीले पड़ गए हैं"),
    ("hi_deva", "bleeding", "मम्मी को खून की उल्टी हो रही है"),
    ("hi_deva", "seizure", "दादाजी को अभी दौरा पड़ा, मुंह से झाग आ रहा था"),
    ("hi_deva", "consciousness", "दादी बेहोश हो गई हैं, बुलाने पर जवाब नहीं दे रहीं"),
    ("hi_deva", "chest_heart", "सीने में दर्द है और ठंडा पसीना आ रहा है"),
    ("hi_deva", "infection", "कीमो चल रही है और तेज़ बुखार है, कंपकंपी भी"),
    ("hi_deva", "self_harm", "मैं अब जीना नहीं चाहती, सब पर बोझ हूं"),
    ("ja", "breathing", "父が息ができないと言っています"),
    ("ja", "chest_heart", "胸が痛い、冷や汗が止まらない"),
    ("ja", "bleeding", "母が血を吐いた"),
    ("ja", "consciousness", "祖母の意識がない、呼んでも返事がない"),
    ("ja", "seizure", "夫が急にけいれんを起こしました"),
    ("ja", "self_harm", "もう死にたい、消えてしまいたい"),
    ("ja", "infection", "抗がん剤治療中で、高熱が出ています"),
    # A low oxygen saturation, a hand that suddenly cannot hold things,
    # stridor, vomiting with no fluids kept down, no urine, face and neck
    # swelling, breathlessness lying flat, pills set aside, lethargy.
    ("zh", "breathing", "爸爸的血氧饱和度现在是87"),
    ("zh", "breathing", "妈妈血氧只有85%"),
    ("zh", "stroke", "妈妈突然手拿不住东西，说话含糊"),
    ("ar", "breathing", "ابني يتنفس وفيه صفير عالي"),
    ("ar", "dehydration", "امي تستفرغ من امس وما تقدر تشرب شي"),
    ("ar", "dehydration", "امي ما تبول من امس"),
    ("tl", "breathing", "namamaga ang mukha at leeg ni tatay"),
    ("tl", "breathing", "hirap huminga pag nakahiga si nanay"),
    ("pt", "self_harm", "não aguento mais, separei os remédios"),
    ("pt", "self_harm", "às vezes quero acabar com tudo"),
    ("vi", "dehydration", "mẹ tôi không uống được nước, gần như không đi tiểu"),
    ("vi", "consciousness", "bố tôi người lừ đừ, nằm li bì cả ngày"),
    ("ko", "dehydration", "물도 한 모금 못 마시고 소변도 거의 안 나와요"),
]

ORDINARY = [
    "IGRT是什么？每次治疗要多久？",
    "Xạ trị có đau không?",
    "Gaano katagal ang bawat sesyon?",
    "치료는 몇 번 받아야 하나요?",
    "Сколько длится один сеанс?",
    "كم تستغرق الجلسة؟",
    "Konbyen tan tretman an dire?",
    "Est-ce que le traitement fait mal ?",
    "Quanto tempo dura cada sessão?",
    "Wie lange dauert eine Sitzung?",
    "Quanto dura ogni seduta?",
    "Ile trwa jedna sesja?",
    # Times, parking, IGRT, mild expected side effects, an illness long ago,
    # tiredness from waiting, and words that sit next to a red flag: hair
    # that fell out, a bladder to fill, being confused about a time.
    "放疗每次要多长时间？停车场在哪里？",
    "我十年前得过肺炎，现在可以做放疗吗？",
    "在候诊室等太久了，有点累",
    "皮肤有点发红，正常吗？",
    "Bệnh viện có chỗ đậu xe không?",
    "IGRT là gì vậy?",
    "Da tôi hơi đỏ sau xạ trị, có bình thường không?",
    "Tôi mệt vì phải chờ lâu ở phòng chờ",
    "Anong oras ang appointment ko bukas? Saan ako puwedeng mag-park?",
    "Medyo pagod ako pagkatapos ng radiation, normal ba iyon?",
    "Pagod na ako sa paghihintay sa waiting room, ang tagal",
    "Nalilito ako sa oras ng appointment ko",
    "방사선 치료는 하루에 몇 분 걸려요?",
    "10년 전에 폐렴을 앓았는데 치료에 문제가 되나요?",
    "대기실에서 기다리는 게 너무 지쳐요",
    "요즘 정신이 없어서 예약을 깜빡했어요",
    "Я устала ждать в приёмной, когда меня вызовут?",
    "Что такое IGRT и сколько длится курс лечения?",
    "Кожа немного покраснела после облучения, это нормально?",
    "أين موقف السيارات؟ وكم مدة الجلسة؟",
    "كان عندي التهاب رئوي قبل عشر سنوات، هل هذا مشكلة؟",
    "أنا تعبان من الانتظار في غرفة الانتظار",
    "kam jalse lazem a3mel w addeh bta5od kel jalse?",
    "wein el parking? w shu ya3ni IGRT?",
    "ta3ban shway ba3d el jalse, hada 3adi?",
    "Ki kote pou m pake machin nan?",
    "Mwen bouke tann nan sal datant lan",
    "J'en ai marre d'attendre dans la salle d'attente, ça fait une heure",
    "Ma peau est un peu rouge après les séances, est-ce normal ?",
    "Quanto tempo demora cada sessão e onde posso estacionar?",
    "Tive pneumonia há dez anos, isso atrapalha o tratamento?",
    "Estou cansada de esperar na sala de espera",
    "Posso mudar o horário da minha sessão?",
    "Jestem trochę zmęczona po naświetlaniach, czy to normalne?",
    "Gdzie mogę zaparkować samochód?",
    "Cos'è la IGRT e quanto dura il trattamento?",
    "Sono stanca di aspettare in sala d'attesa",
    "Wo kann ich parken und wie lange dauert die Bestrahlung?",
    "Ich hatte vor zehn Jahren eine Lungenentzündung, ist das ein Problem?",
    "Ich bin verwirrt, wann ist mein nächster Termin?",
    "IGRT kya hota hai aur ek session kitni der ka hota hai?",
    "parking kahan hai? aur thodi thakaan normal hai kya?",
    "mujhe 10 saal pehle TB hua tha, kya radiation ho sakta hai?",
    "Ano ang IGRT? Gaano katagal ang buong treatment?",
    "我有点担心，不想死，这个治疗有效吗？",
    "Meu cabelo caiu, tomo anticoagulante, é normal?",
    "Mes cheveux sont tombés, je prends un anticoagulant",
    "Est-ce qu'il faut avoir la vessie pleine, je ne dois pas uriner avant ?",
    "Da không sưng, chỉ hơi đỏ",
    "Essa espera vai me matar",
    # Somali, Amharic, Farsi, Urdu and Darija: times, parking, mild
    # tiredness, IGRT, an illness long ago; anaesthesia ("بیهوشی", which holds
    # "unconscious"), not peeing before a session, "regularly" ("مرتب", which
    # holds "fever"), tired of waiting ("3yit mn", as in "tired of my life").
    "Ballanta berri waa saacadee?",
    "Xagee baan gaariga dhigi karaa?",
    "Waxaan dareemayaa daal yar kadib daaweynta, ma caadi baa?",
    "Waa maxay IGRT?",
    "Toban sano ka hor ayaan qaaxo qabay, hadda waan fiicanahay",
    "ቀጠሮዬ ነገ ስንት ሰዓት ነው?",
    "መኪና የት ማቆም እችላለሁ?",
    "ትንሽ ድካም ይሰማኛል፣ የተለመደ ነው?",
    "IGRT ምንድን ነው?",
    "نوبت فردای من ساعت چنده؟",
    "پارکینگ بیمارستان کجاست؟",
    "بعد از پرتودرمانی کمی خسته‌ام، طبیعیه؟",
    "IGRT چیه؟",
    "ده سال پیش ذات‌الریه داشتم، مشکلی نیست؟",
    "آیا برای پرتودرمانی بیهوشی لازم است؟",
    "قبل از جلسه نباید ادرار کنم؟",
    "من مرتب داروهامو می‌خورم و شیمی‌درمانی هم می‌رم",
    "kal mera appointment kitne baje hai?",
    "gaari kahan park karun?",
    "thori thakan mehsoos ho rahi hai, kya ye normal hai?",
    "mujhe das saal pehle TB hua tha, ab theek hoon",
    "fin n9der nparki tomobil?",
    "chno hiya IGRT?",
    "3yit mn ntsenna f salle d'attente",
    "3am lowel kant 3ndi s5ana w daba ana mzyan",
    # A number that is an age, and "mỗi" (each), which folds to "moi" (lips).
    "Мне 35 лет, после химии немного сонливая",
    "mỗi ngày da hơi sưng một chút có sao không?",
    # Hindi in Devanagari script and Japanese: a time, parking, mild
    # tiredness; "सास" (mother-in-law, folded like "सांस", breath), "बेहोशी"
    # (anaesthesia), hair that fell out, a clot-preventing drug, heat therapy,
    # not wanting to die; and not peeing before a session.
    "कल मेरा अपॉइंटमेंट कितने बजे है?",
    "गाड़ी कहां पार्क करूं?",
    "थोड़ी थकान लग रही है, क्या यह सामान्य है?",
    "मेरी सास नहीं आ रही, क्या मैं अकेले आ सकती हूं?",
    "क्या रेडिएशन के लिए बेहोशी की दवा दी जाएगी?",
    "मेरे बाल गिर गए, सिर पर खुजली है",
    "明日の予約は何時ですか？",
    "駐車場はどこにありますか？",
    "少し疲れていますが、普通ですか？",
    "血栓予防の薬を飲んでいますが、治療に影響はありますか？",
    "温熱療法と抗がん剤は併用できますか？",
    "死にたくないです。治療は効きますか？",
    "Trước buổi xạ trị tôi không đi tiểu có được không?",
    "ما تبول قبل الجلسة؟",
    "血氧饱和度正常是多少？",
]

ENGLISH_NEAR_MISSES = [
    "I'm confused about my appointment times",
    "my mum was paralysed with fear before the first scan lol",
    "does the derm clinic share results with you",
    "I'm a little short of time tomorrow, can we start earlier",
]


@pytest.mark.parametrize(("language", "family", "message"), RED_FLAGS)
def test_a_red_flag_in_another_language_is_urgent(
    triage: Triage, language: str, family: str, message: str
) -> None:
    decision = triage(message)
    assert decision.urgent, f"{language}: {message!r} {decision.as_output()}"
    assert family in decision.families


@pytest.mark.parametrize("message", ORDINARY)
def test_an_ordinary_question_in_another_language_is_not_urgent(
    triage: Triage, message: str
) -> None:
    assert not triage(message).urgent, triage(message).as_output()


@pytest.mark.parametrize("message", ENGLISH_NEAR_MISSES)
def test_english_is_not_read_as_another_languages_red_flag(message: str) -> None:
    assert other_language_red_flags().families(message) == ()


@pytest.mark.parametrize(
    "message",
    [
        # Spanish and English have their own scoped patterns: a phrase shared
        # with them ("infarto", "suicide") must not bypass those.
        "casi me da un infarto cuando vi la factura",
        "my daughter volunteers for a suicide prevention line",
    ],
)
def test_a_phrase_shared_with_english_or_spanish_is_left_to_their_patterns(
    triage: Triage, message: str
) -> None:
    assert not triage(message).urgent, triage(message).as_output()


def test_both_parts_of_an_and_phrase_must_be_present() -> None:
    flags = other_language_red_flags()
    assert "infection" in flags.families("la nonna ha la febbre, fa la chemio")
    assert flags.families("la nonna fa la chemio da lunedì") == ()


# The languages of other_languages.yml: Arabizi and Darija ("ar_latn"), Hindi
# and Urdu in Latin letters ("hi", "ur_latn"), Hindi in Devanagari ("hi_deva"),
# Japanese ("ja"), Farsi, Somali and Amharic among them.
LANGUAGES = {
    *("zh", "vi", "tl", "ko", "ru", "ar", "ar_latn"),
    *("ht", "fr", "pt", "pl", "it", "de", "hi"),
    *("ur_latn", "fa", "so", "am", "hi_deva", "ja"),
}


def test_every_family_lists_every_language() -> None:
    spec = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    for family, by_language in spec["families"].items():
        assert set(by_language) == LANGUAGES, family
        assert all(by_language.values()), family


@pytest.mark.parametrize(
    ("wants", "fears"),
    [
        ("我真的想死", "我不想死，治疗有用吗"),
        ("죽고 싶어요", "죽고 싶지 않아요"),
        ("tôi muốn chết", "tôi không muốn chết"),
        ("mwen vle mouri", "mwen pa vle mouri"),
    ],
)
def test_not_wanting_to_die_is_not_read_as_wanting_to(wants: str, fears: str) -> None:
    flags = other_language_red_flags()
    assert "self_harm" in flags.families(wants)
    assert "self_harm" not in flags.families(fears)


@pytest.mark.parametrize(
    "message",
    [
        "نمی\u200cتونم نفس بکشم",  # with the zero-width non-joiner
        "نمی تونم نفس بکشم",
        "نمیتونم نفس بکشم",
        "نمي\u200cتونم نفس بكشم",  # Arabic keyboard: ي and ك
    ],
)
def test_farsi_is_matched_however_the_prefix_is_joined(message: str) -> None:
    assert "breathing" in other_language_red_flags().families(message)


@pytest.mark.parametrize("reading", ["تب ۳۹", "تب 39", "تب ٣٩", "تبم ۳۸٫۵ شده"])
def test_a_farsi_fever_is_read_in_persian_arabic_or_western_digits(reading: str) -> None:
    assert "infection" in other_language_red_flags().families(reading)


def test_a_decimal_temperature_needs_chemotherapy_or_chills() -> None:
    flags = other_language_red_flags()
    assert "infection" in flags.families("faço quimio e estou com 38,5")
    assert flags.families("faço quimio desde março, tenho 38 anos") == ()
    assert "consciousness" in flags.families("температура 35,4 и очень сонливый")
    assert flags.families("мне 35 лет, немного сонливая после облучения") == ()


def test_folding_drops_tone_marks_and_keeps_korean_syllables_whole() -> None:
    assert fold("Khó  Thở") == "kho tho"
    assert fold("đau ngực") == "dau nguc"
    assert fold("숨을 못 쉬어요") == "숨을 못 쉬어요"
