package tenant

import "strings"

// Word lists the synthetic tenant draws from. Each name has its native
// spelling (displayName, givenName, surname) and an ASCII form for addresses.

type name struct {
	native, ascii string
	lowerNative   string // lower-cased native spelling without spaces, for UPNs
}

type script struct {
	given, surname []name
	language       string // preferredLanguage
	// familyFirst: displayName is surname then given name, without a space.
	familyFirst bool
}

// wordLists are the tables a generator draws from, built once per generator.
type wordLists struct {
	scripts          []script
	scriptWeights    []int // out of 100, per script
	unusualFirst     []string
	guestDomains     []string
	otherMailDomains []string
	jobTitles        []string
	departments      []string
	companies        []string
	locations        []location
	offices          []string
	employeeTypes    []string
	divisions        []string
	skus             []sku
}

func newWordLists() *wordLists {
	scripts := newScripts()
	for i := range scripts {
		for _, names := range [][]name{scripts[i].given, scripts[i].surname} {
			for j := range names {
				names[j].lowerNative = strings.ToLower(strings.ReplaceAll(names[j].native, " ", ""))
			}
		}
	}
	return &wordLists{
		scripts:          scripts,
		scriptWeights:    []int{60, 15, 13, 12}, // Latin, CJK, Cyrillic, Arabic
		unusualFirst:     []string{"0", "1", "7", "9", "_", "-", "'", "!", "#", "^", "~"},
		guestDomains:     []string{"fabrikam.com", "gmail.com", "outlook.com", "example.org", "partner.co.uk", "tailspin-toys.net"},
		otherMailDomains: []string{"gmail.com", "outlook.com", "example.net", "proton.me", "yahoo.co.jp"},
		jobTitles:        newJobTitles(),
		departments:      newDepartments(),
		companies:        newCompanies(),
		locations:        newLocations(),
		offices:          []string{"18/2111", "Building 4, Floor 2", "HQ", " Remote", "B-12", "=A1", "Room \"Blue\""},
		employeeTypes:    []string{"Employee", "Contractor", "Intern", "Consultant"},
		divisions:        []string{"Cloud", "Devices", "Gaming", "Retail, Online"},
		skus:             newSKUs(),
	}
}

func newScripts() []script {
	return []script{
		{ // Latin, with accents and apostrophes
			given: []name{
				{"Anna", "anna", ""}, {"Élodie", "elodie", ""}, {"José", "jose", ""}, {"Zoë", "zoe", ""}, {"Søren", "soren", ""},
				{"Łukasz", "lukasz", ""}, {"François", "francois", ""}, {"Björn", "bjorn", ""}, {"Chloé", "chloe", ""},
				{"Mårten", "marten", ""}, {"Renée", "renee", ""}, {"Ömer", "omer", ""}, {"Ingrid", "ingrid", ""},
				{"Mateo", "mateo", ""}, {"Sofía", "sofia", ""}, {"João", "joao", ""}, {"Noémie", "noemie", ""},
				{"Jürgen", "jurgen", ""}, {"Liam", "liam", ""}, {"Olivia", "olivia", ""}, {"Noah", "noah", ""},
				{"Emma", "emma", ""}, {"Lucas", "lucas", ""}, {"Mia", "mia", ""}, {"Ethan", "ethan", ""},
				{"Isabella", "isabella", ""}, {"Mason", "mason", ""}, {"Sophia", "sophia", ""}, {"Amelia", "amelia", ""},
				{"Siobhán", "siobhan", ""}, {"Dorothée", "dorothee", ""}, {"Ángel", "angel", ""}, {"Ëmil", "emil", ""},
				{"Oscar", "oscar", ""}, {"Adele", "adele", ""}, {"Megan", "megan", ""}, {"Patti", "patti", ""},
			},
			surname: []name{
				{"Müller", "muller", ""}, {"García", "garcia", ""}, {"O'Brien", "o'brien", ""}, {"Dvořák", "dvorak", ""},
				{"Nguyễn", "nguyen", ""}, {"Smith", "smith", ""}, {"Johnson", "johnson", ""}, {"Brown", "brown", ""},
				{"Williams", "williams", ""}, {"López", "lopez", ""}, {"Kowalski", "kowalski", ""}, {"Ångström", "angstrom", ""},
				{"Çelik", "celik", ""}, {"D'Angelo", "d'angelo", ""}, {"van der Berg", "vanderberg", ""}, {"MacLeod", "macleod", ""},
				{"Schröder", "schroder", ""}, {"Peña", "pena", ""}, {"Rossi", "rossi", ""}, {"Fernández", "fernandez", ""},
				{"Nørgaard", "norgaard", ""}, {"Żukowski", "zukowski", ""}, {"Lefèvre", "lefevre", ""}, {"Ward", "ward", ""},
				{"Vance", "vance", ""}, {"Bowen", "bowen", ""}, {"Fernandes", "fernandes", ""}, {"Östberg", "ostberg", ""},
			},
			language: "en-US",
		},
		{ // CJK
			given: []name{
				{"伟", "wei", ""}, {"芳", "fang", ""}, {"娜", "na", ""}, {"秀英", "xiuying", ""}, {"敏", "min", ""},
				{"静", "jing", ""}, {"强", "qiang", ""}, {"磊", "lei", ""}, {"陽翔", "haruto", ""}, {"さくら", "sakura", ""},
				{"結衣", "yui", ""}, {"健太", "kenta", ""}, {"민준", "minjun", ""}, {"서연", "seoyeon", ""},
			},
			surname: []name{
				{"王", "wang", ""}, {"李", "li", ""}, {"张", "zhang", ""}, {"刘", "liu", ""}, {"陈", "chen", ""},
				{"杨", "yang", ""}, {"佐藤", "sato", ""}, {"鈴木", "suzuki", ""}, {"高橋", "takahashi", ""},
				{"김", "kim", ""}, {"이", "lee", ""}, {"박", "park", ""},
			},
			language:    "zh-CN",
			familyFirst: true,
		},
		{ // Cyrillic
			given: []name{
				{"Иван", "ivan", ""}, {"Ольга", "olga", ""}, {"Дмитрий", "dmitry", ""}, {"Анна", "anna", ""},
				{"Сергей", "sergey", ""}, {"Наталья", "natalya", ""}, {"Алексей", "alexey", ""}, {"Екатерина", "ekaterina", ""},
				{"Юлия", "yulia", ""}, {"Ёлка", "yolka", ""},
			},
			surname: []name{
				{"Иванов", "ivanov", ""}, {"Смирнова", "smirnova", ""}, {"Кузнецов", "kuznetsov", ""}, {"Попова", "popova", ""},
				{"Соколов", "sokolov", ""}, {"Лебедева", "lebedeva", ""}, {"Волков", "volkov", ""}, {"Жукова", "zhukova", ""},
			},
			language: "ru-RU",
		},
		{ // Arabic
			given: []name{
				{"محمد", "mohammed", ""}, {"فاطمة", "fatima", ""}, {"أحمد", "ahmed", ""}, {"مريم", "maryam", ""},
				{"علي", "ali", ""}, {"نور", "nour", ""}, {"يوسف", "youssef", ""}, {"ليلى", "layla", ""},
			},
			surname: []name{
				{"الحسن", "alhassan", ""}, {"حداد", "haddad", ""}, {"خوري", "khoury", ""}, {"منصور", "mansour", ""},
				{"العلي", "alali", ""}, {"سعيد", "saeed", ""},
			},
			language: "ar-SA",
		},
	}
}

// Values with commas, quotes, newlines, leading spaces and spreadsheet-formula
// starts are deliberate: they are what breaks CSV exports.
func newJobTitles() []string {
	return []string{
		"Engineer", "Senior Engineer", "Product Manager", "Sales Representative", "Accountant",
		"Director, Platform", `Head of "Special" Projects`, "Développeur", "工程师", "Менеджер",
		"مدير", " Intern", "=1+1", "+Consultant", "-Temp-", "@Lead", "Support\tAgent", "Analyst",
		"Designer", "Recruiter",
	}
}

func newDepartments() []string {
	return []string{
		"Sales", "Marketing", "Engineering", "Finance", "Human Resources", "Legal", "IT",
		"Research, Development", `"Special" Projects`, "Sales\nEMEA", " Operations",
		"=SUM(A1:A2)", "+Marketing", "-Ops", "@Finance", "\tLogistics", "\rProcurement",
		"研发", "Отдел продаж", "المالية",
	}
}

func newCompanies() []string {
	return []string{
		"Contoso", "Contoso, Ltd.", `Fabrikam "Inc"`, "@Work GmbH", "Tailspin Toys", "Northwind Traders",
		"=HYPERLINK(\"http://example.com\")", "Woodgrove Bank", "Adventure Works", "株式会社コントソ",
	}
}

type location struct {
	country, usage, state, city, postal, phoneCC string
	streets                                      []string
}

func newLocations() []location {
	return []location{
		{"United States", "US", "WA", "Redmond", "98052", "1", []string{"1 Microsoft Way", "15 Main St\nSuite 200", " 42 Leading Rd"}},
		{"United States", "US", "NY", "New York", "10001", "1", []string{"350 Fifth Avenue", "1 \"Park\" Place"}},
		{"Germany", "DE", "BY", "München", "80331", "49", []string{"Marienplatz 8", "Straße des 17. Juni 1"}},
		{"France", "FR", "IDF", "Paris", "75001", "33", []string{"1 Rue de Rivoli", "12, avenue des Champs-Élysées"}},
		{"Brazil", "BR", "SP", "São Paulo", "01310-100", "55", []string{"Av. Paulista, 1578"}},
		{"Switzerland", "CH", "ZH", "Zürich", "8001", "41", []string{"Bahnhofstrasse 1"}},
		{"Japan", "JP", "Tokyo", "東京", "100-0001", "81", []string{"千代田1-1"}},
		{"Russia", "RU", "MOW", "Москва", "101000", "7", []string{"ул. Тверская, 1"}},
		{"United Arab Emirates", "AE", "DU", "دبي", "00000", "971", []string{"شارع الشيخ زايد"}},
		{"United Kingdom", "GB", "", "London", "SW1A 1AA", "44", []string{"10 Downing Street", "221B Baker Street"}},
		{"India", "IN", "KA", "Bengaluru", "560001", "91", []string{"MG Road, 1"}},
	}
}

// skus are license SKUs with the service plans they bring.
type sku struct {
	id    string
	plans []servicePlan
}

type servicePlan struct{ id, service string }

func newSKUs() []sku {
	return []sku{
		{"6fd2c87f-b296-42f0-b197-1e91e994b900", []servicePlan{ // Office 365 E3
			{"efb87545-963c-4e0d-99df-69c6916d9eb0", "exchange"},
			{"5dbe027f-2339-4123-9542-606e4d348a72", "SharePoint"},
			{"57ff2da0-773e-42df-b2af-ffb7a2317929", "TeamspaceAPI"},
		}},
		{"c7df2760-2c81-4ef7-b578-5b5392b571df", []servicePlan{ // Office 365 E5
			{"efb87545-963c-4e0d-99df-69c6916d9eb0", "exchange"},
			{"4828c8ec-dc2e-4779-b502-87ac9ce28ab7", "MicrosoftCommunicationsOnline"},
		}},
		{"078d2b04-f1bd-4111-bbd4-b4b1b354cef4", []servicePlan{ // Entra ID P1
			{"41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AADPremiumService"},
		}},
		{"f30db892-07e9-47e9-837c-80727f46fd3d", []servicePlan{ // Power Automate free
			{"50e68c76-46c6-4674-81f9-75456511b170", "ProcessSimple"},
		}},
	}
}

func findSKU(skus []sku, id string) *sku {
	for i := range skus {
		if skus[i].id == id {
			return &skus[i]
		}
	}
	return nil
}
