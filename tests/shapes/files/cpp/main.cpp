std::string ak = "LTAIB7P6nLsbWsXAJKil8Krk";
std::string sk = "3QCI33jOqw5LoVFqxtpuPzNP3MzTtp";
