Kq9
