UPDATE accounts SET access_key = 'LTAILW1MQKS4lHWhZ7d5il9D', secret = 'PDJvrxLZtINLRjBv0rGgIkkBb4RUc9' WHERE id = 3;
