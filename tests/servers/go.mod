module sockrec.test/servers

go 1.19
