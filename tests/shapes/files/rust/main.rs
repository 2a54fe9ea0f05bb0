let id = "LTAIzoc51FeogdvbzDp8mFmQ";
let secret = "p5zvqYMtrb1uvZwnZuDMjJxyZLLKcg";
