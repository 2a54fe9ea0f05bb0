AK = "LTAI1R40IBOUx9sx"
SK = "MRymnlNzgyk6TL7Bu7Vepa5rVFtuSt"
